import { createHub, type Logger } from '@tidings/core';
import { realtime as expressRealtime } from '@tidings/express';
import { realtime as fastifyRealtime } from '@tidings/fastify';
import { realtime as koaRealtime } from '@tidings/koa';
import express from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listen } from '../helpers/server.js';

/**
 * One path, one hub: a second realtime() with another hub on a path already served never
 * sees a request, so its publish reaches no one. Where the adapter knows the path, that is
 * warned about once, naming the path (Fastify refuses it outright).
 */
const cleanups: Array<() => Promise<unknown> | unknown> = [];
let warnings: Error[] = [];
const onWarning = (warning: Error) => {
  if ((warning as { code?: string }).code === 'TIDINGS_PATH_SERVED_TWICE') warnings.push(warning);
};
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(async () => {
  process.off('warning', onWarning);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Node emits warnings on the next tick: wait for them to be delivered. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

async function get(url: string, times = 1) {
  for (let i = 0; i < times; i++) expect((await fetch(url)).status).toBe(200);
  await settled();
}

function tracked<T extends { close(): Promise<void> }>(rt: T): T {
  cleanups.push(() => rt.close());
  return rt;
}

describe.each([
  ['express 5', express],
  ['express 4', express4 as unknown as typeof express],
])('%s', (_name, createApp) => {
  async function serve(app: express.Express) {
    const server = await listen(app);
    cleanups.push(() => server.close());
    return server.url;
  }

  it('warns once, naming the path, when two hubs are mounted on it with app.use', async () => {
    const app = createApp();
    app.use('/realtime', tracked(expressRealtime()));
    app.use('/realtime', tracked(expressRealtime()));
    const url = await serve(app);
    await get(`${url}/realtime?topic=a`, 3);
    expect(warnings.map((warning) => warning.message)).toEqual([
      expect.stringMatching(
        /^Tidings: \/realtime is served by two realtime\(\) hubs; only the first answers/,
      ),
    ]);
  });

  it('warns for two routes on one path, through the hub logger when it has one', async () => {
    const lines: string[] = [];
    const record = (_fields: Record<string, unknown>, message: string) => lines.push(message);
    const logger: Logger = { debug() {}, info() {}, warn: record, error: record };
    const app = createApp();
    app.get('/events', tracked(expressRealtime({ logger })));
    app.get('/events', tracked(expressRealtime()));
    const url = await serve(app);
    await get(`${url}/events?topic=a`, 2);
    expect(lines).toEqual([expect.stringContaining('/events is served by two realtime() hubs')]);
    expect(warnings).toEqual([]);
  });

  it('stays quiet for one hub on two paths, or the same hub mounted twice', async () => {
    const hub = createHub();
    cleanups.push(() => hub.close());
    const app = createApp();
    app.use('/a', tracked(expressRealtime()));
    app.use('/b', tracked(expressRealtime()));
    app.use('/shared', expressRealtime({ hub }));
    app.use('/shared', expressRealtime({ hub }));
    const url = await serve(app);
    for (const path of ['/a', '/b', '/shared']) await get(`${url}${path}?topic=a`);
    expect(warnings).toEqual([]);
  });

  it('looks into nested routers: two hubs in one router, or one above and one inside', async () => {
    const app = createApp();
    const inner = createApp.Router();
    inner.use('/realtime', tracked(expressRealtime()));
    inner.use('/realtime', tracked(expressRealtime()));
    const outer = createApp.Router();
    outer.use('/v1', inner);
    app.use('/api', outer);
    app.use('/mixed/realtime', tracked(expressRealtime()));
    const mixed = createApp.Router();
    mixed.get('/realtime', tracked(expressRealtime()));
    app.use('/mixed', mixed);
    const url = await serve(app);
    await get(`${url}/api/v1/realtime?topic=a`, 2);
    await get(`${url}/mixed/realtime?topic=a`, 2);
    expect(warnings.map((warning) => warning.message)).toEqual([
      expect.stringContaining('/api/v1/realtime is served by two realtime() hubs'),
      expect.stringContaining('/mixed/realtime is served by two realtime() hubs'),
    ]);
  });

  it('stays quiet for hubs on different paths of nested routers', async () => {
    const app = createApp();
    const router = createApp.Router();
    router.use('/a', tracked(expressRealtime()));
    router.use('/b', tracked(expressRealtime()));
    app.use('/api', router);
    app.use('/a', tracked(expressRealtime())); // /a, not /api/a
    const url = await serve(app);
    for (const path of ['/api/a', '/api/b', '/a']) await get(`${url}${path}?topic=a`);
    expect(warnings).toEqual([]);
  });
});

describe('koa', () => {
  it('warns once, naming the path, for two realtime({ path }) on one path', async () => {
    const app = new Koa();
    app.use(tracked(koaRealtime({ path: '/realtime' })));
    app.use(tracked(koaRealtime({ path: '/realtime' })));
    app.use(tracked(koaRealtime({ path: '/other' })));
    const server = await listen(app.callback());
    cleanups.push(() => server.close());
    await get(`${server.url}/realtime?topic=a`, 3);
    await get(`${server.url}/other?topic=a`);
    expect(warnings.map((warning) => warning.message)).toEqual([
      expect.stringContaining('/realtime is served by two realtime() hubs'),
    ]);
  });
});

describe('fastify', () => {
  it('refuses a second registration on the same prefix, in the same or another context', async () => {
    const same = Fastify();
    cleanups.push(() => same.close());
    same.register(fastifyRealtime);
    same.register(fastifyRealtime);
    await expect(same.ready()).rejects.toThrow(/realtime/);

    const nested = Fastify();
    cleanups.push(() => nested.close());
    nested.register(fastifyRealtime);
    nested.register(async (scope) => scope.register(fastifyRealtime));
    await expect(nested.ready()).rejects.toMatchObject({ code: 'FST_ERR_DUPLICATED_ROUTE' });
  });
});
