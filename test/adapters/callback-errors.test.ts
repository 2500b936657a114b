import { Writable } from 'node:stream';
import { createHub, type ErrorInfo, type Logger } from '@tidings/core';
import { realtime as expressRealtime } from '@tidings/express';
import { realtime as fastifyRealtime } from '@tidings/fastify';
import { realtime as koaRealtime } from '@tidings/koa';
import { realtime as nodeRealtime } from '@tidings/node';
import express, { type NextFunction, type Request, type Response } from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type TestServer } from '../helpers/server.js';

/**
 * An app callback that throws (`req.user.id` with no auth middleware in front) goes where the
 * framework sends errors, each tested with that framework's own error handling; `onError`
 * hears of it too. Only the node adapter, which has no framework, answers `500` itself.
 */
type WithUser = { user?: { id: string } };
const userTopics = (req: WithUser) => [`user:${req.user!.id}`];
/** A set the app forgot to create. */
const publicSet = undefined as Set<string> | undefined;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
async function serve(listener: Parameters<typeof listen>[0]): Promise<TestServer> {
  const server = await listen(listener);
  cleanups.push(() => server.close());
  return server;
}

/** A logger that records what it is given. */
function recordingLogger() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
    lines.push({ level, fields, message });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

function reporting() {
  const reported: Array<[unknown, ErrorInfo]> = [];
  return { reported, onError: (error: unknown, info: ErrorInfo) => reported.push([error, info]) };
}

describe.each([
  ['express 5', express],
  ['express 4', express4 as unknown as typeof express],
])('%s: next(err)', (_name, createApp) => {
  it.each([
    ['topics', { topics: userTopics }, '/realtime?topic=a'],
    ['authorize', { authorize: (req: WithUser) => req.user!.id === 'admin' }, '/realtime?topic=a'],
    ['connectionKey (SSE)', { connectionKey: (req: WithUser) => req.user!.id }, '/realtime?topic=a'],
    // publicTopics is asked for polls with a cursor (one without is never public).
    [
      'publicTopics (poll)',
      { publicTopics: (topic: string) => publicSet!.has(topic) },
      '/realtime?topic=a&cursor=abc-0',
    ],
  ])('a throwing %s reaches the error middleware', async (name, options, path) => {
    const { reported, onError } = reporting();
    const { logger, lines } = recordingLogger();
    const rt = expressRealtime({ ...(options as object), onError, logger });
    cleanups.push(() => rt.close());
    const app = createApp();
    app.use('/realtime', rt);
    const seen: unknown[] = [];
    app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
      seen.push(error);
      res.status(500).json({ caught: error.constructor.name });
    });
    const server = await serve(app);
    const headers = name.includes('SSE') ? { accept: 'text/event-stream' } : undefined;
    const response = await fetch(`${server.url}${path}`, { headers });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ caught: 'TypeError' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(TypeError);
    expect(reported).toEqual([[seen[0], { source: 'callback' }]]);
    // The framework's error path logs it; Tidings does not log it twice.
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('a TidingsError or false from authorize is still the protocol 403, not an error', async () => {
    const rt = expressRealtime({ authorize: () => false });
    cleanups.push(() => rt.close());
    const app = createApp();
    app.use('/realtime', rt);
    app.use((_error: Error, _req: Request, res: Response, _next: NextFunction) => res.status(599).end());
    const server = await serve(app);
    const response = await fetch(`${server.url}/realtime?topic=a`);
    expect(response.status).toBe(403);
  });
});

describe("koa: the app's error event", () => {
  it('a throwing topics propagates: Koa answers 500 and emits error with the ctx', async () => {
    const { reported, onError } = reporting();
    const rt = koaRealtime({
      path: '/realtime',
      topics: (ctx) => userTopics(ctx.state as WithUser),
      onError,
    });
    cleanups.push(() => rt.close());
    const app = new Koa();
    app.silent = true;
    const emitted: Array<[unknown, string]> = [];
    app.on('error', (error, ctx) => emitted.push([error, ctx.path]));
    app.use(rt);
    const server = await serve(app.callback());
    const response = await fetch(`${server.url}/realtime?topic=a`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('Internal Server Error');
    expect(emitted).toHaveLength(1);
    expect(emitted[0]![0]).toBeInstanceOf(TypeError);
    expect(emitted[0]![1]).toBe('/realtime');
    expect(reported).toEqual([[emitted[0]![0], { source: 'callback' }]]);
  });

  it('upstream middleware can catch it, as with any Koa middleware', async () => {
    const rt = koaRealtime({ authorize: (ctx) => (ctx.state as WithUser).user!.id === 'a' });
    cleanups.push(() => rt.close());
    const app = new Koa();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        ctx.status = 401;
        ctx.body = { caught: (error as Error).constructor.name };
      }
    });
    app.use(rt);
    const server = await serve(app.callback());
    const response = await fetch(`${server.url}/?topic=a`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ caught: 'TypeError' });
  });
});

describe('fastify: the error handler and request.log', () => {
  /** Fastify's own pino logger, writing JSON lines to memory. */
  function fastifyWithLog(level = 'info') {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const app = Fastify({ logger: { level, stream } });
    cleanups.push(() => app.close());
    return { app, lines };
  }

  it('a throwing topics reaches setErrorHandler', async () => {
    const { reported, onError } = reporting();
    const { app } = fastifyWithLog();
    const handled: unknown[] = [];
    app.setErrorHandler((error, request, reply) => {
      handled.push(error);
      request.log.warn({ err: error }, 'handled by the app');
      reply.code(500).send({ caught: (error as Error).constructor.name });
    });
    await app.register(fastifyRealtime, { topics: (request) => userTopics(request as WithUser), onError });
    await app.ready();
    const server = await serve(app.server);
    const response = await fetch(`${server.url}/realtime?topic=a`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ caught: 'TypeError' });
    expect(handled).toHaveLength(1);
    expect(reported).toEqual([[handled[0], { source: 'callback' }]]);
  });

  it("without an error handler, Fastify's default answers and logs it with request.log (reqId)", async () => {
    const { app, lines } = fastifyWithLog();
    await app.register(fastifyRealtime, { authorize: (request) => (request as WithUser).user!.id === 'a' });
    await app.ready();
    const server = await serve(app.server);
    const response = await fetch(`${server.url}/realtime?topic=a`);
    expect(response.status).toBe(500);
    const errors = lines.filter((line) => line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reqId: expect.any(String), err: { type: 'TypeError' } });
  });

  it('logs through fastify.log when no logger is given', async () => {
    const { app, lines } = fastifyWithLog('debug');
    await app.register(fastifyRealtime);
    await app.ready();
    await app.realtime.publish('news', 'hello');
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'tidings event published', topic: 'news' }));
  });

  it('keeps a given logger, and a shared hub keeps its own', async () => {
    const { app, lines } = fastifyWithLog('debug');
    const { logger, lines: own } = recordingLogger();
    await app.register(fastifyRealtime, { logger });
    const hub = createHub();
    cleanups.push(() => hub.close());
    await app.register(async (scoped) => scoped.register(fastifyRealtime, { hub, prefix: '/shared' }));
    await app.ready();
    await app.realtime.publish('news', 'hello');
    await hub.publish('other', 'hello');
    expect(own.map((line) => line.message)).toContain('tidings event published');
    expect(lines.filter((line) => line.msg === 'tidings event published')).toEqual([]);
  });
});

describe('node: no framework, so a JSON 500, onError and the logger', () => {
  it('answers 500 internal and logs the cause', async () => {
    const { reported, onError } = reporting();
    const { logger, lines } = recordingLogger();
    const rt = nodeRealtime({ topics: (req) => userTopics(req as WithUser), onError, logger });
    cleanups.push(() => rt.close());
    const server = await serve((req, res) => void rt(req, res));
    const response = await fetch(`${server.url}/?topic=a`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'internal', message: 'Internal error' } });
    expect(reported).toHaveLength(1);
    expect(reported[0]![1]).toEqual({ source: 'callback' });
    expect(lines.filter((line) => line.level === 'error')).toMatchObject([
      { message: 'tidings callback error', fields: { source: 'callback' } },
    ]);
  });
});
