import fastifyCompress from '@fastify/compress';
import { createHub } from '@tidings/core';
import { realtime } from '@tidings/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listen, type TestServer } from '../helpers/server.js';
import { openSse, type SseConnection } from '../helpers/sse-client.js';

describe('@tidings/fastify', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function serve(app: FastifyInstance): Promise<TestServer> {
    await app.ready();
    const server = await listen(app.server);
    cleanups.push(
      () => server.close(),
      () => app.close(),
    );
    return server;
  }
  async function subscribe(url: string): Promise<SseConnection> {
    const stream = await openSse(url);
    cleanups.push(() => stream.close());
    return stream;
  }

  it('registers under its prefix and decorates the instance with the hub API', async () => {
    const app = Fastify();
    await app.register(realtime, { prefix: '/events' });
    const server = await serve(app);
    const stream = await subscribe(`${server.url}/events?topic=a`);
    expect(stream.status).toBe(200);
    const id = await app.realtime.publish('a', { hello: 'fastify' });
    expect((await stream.waitForEvents(1))[0]).toMatchObject({ id, data: '{"hello":"fastify"}' });
    expect((await fetch(`${server.url}/events/?topic=a`)).status).toBe(200);
    expect((await fetch(`${server.url}/realtime?topic=a`)).status).toBe(404);
  });

  it('is encapsulation-aware: each context gets its own decorator, route prefix and hub', async () => {
    const app = Fastify();
    let scoped: FastifyInstance | undefined;
    await app.register(
      async (api) => {
        await api.register(realtime, { prefix: '/realtime' });
        scoped = api;
      },
      { prefix: '/api' },
    );
    await app.register(async (admin) => admin.register(realtime, { prefix: '/feed' }), { prefix: '/admin' });
    const server = await serve(app);
    expect(app.hasDecorator('realtime')).toBe(false);
    expect(scoped?.hasDecorator('realtime')).toBe(true);
    const stream = await subscribe(`${server.url}/api/realtime?topic=a`);
    const admin = await subscribe(`${server.url}/admin/feed?topic=a`);
    await scoped!.realtime.publish('a', 'api only');
    expect((await stream.waitForEvents(1))[0]!.data).toBe('api only');
    expect(admin.events).toHaveLength(0);
    // Both encapsulated hubs close before the server does, so close() does not wait on their streams.
    await app.close();
    await Promise.all([stream.ended, admin.ended]);
  });

  it('runs the request hooks; polls go through onSend and @fastify/compress, streams do not', async () => {
    const seen: string[] = [];
    const app = Fastify();
    await app.register(fastifyCompress, { threshold: 0 });
    app.addHook('onRequest', async (request) => {
      seen.push(`onRequest ${request.url}`);
    });
    app.addHook('onSend', async (request, _reply, payload) => {
      seen.push(`onSend ${request.url}`);
      return payload;
    });
    app.addHook('onResponse', async (request, reply) => {
      seen.push(`onResponse ${reply.statusCode} ${request.url}`);
    });
    app.addHook('onRequestAbort', async (request) => {
      seen.push(`onRequestAbort ${request.url}`);
    });
    await app.register(realtime, { prefix: '/realtime' });
    const server = await serve(app);

    const stream = await subscribe(`${server.url}/realtime?topic=a`);
    expect(stream.headers.get('content-encoding')).toBeNull();
    await app.realtime.publish('a', 'x'.repeat(2000));
    await stream.waitForEvents(1);
    expect(seen).toEqual(['onRequest /realtime?topic=a']);

    const pollUrl = `/realtime?topic=a&cursor=${stream.headers.get('tidings-cursor')}`;
    const poll = await fetch(`${server.url}${pollUrl}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(poll.headers.get('content-encoding')).toBe('gzip');
    expect((await poll.json()).events).toHaveLength(1);
    await vi.waitFor(() => expect(seen).toContain(`onResponse 200 ${pollUrl}`));
    expect(seen).toContain(`onSend ${pollUrl}`);

    stream.close();
    await vi.waitFor(() => expect(seen).toContain('onRequestAbort /realtime?topic=a'));
    const second = await subscribe(`${server.url}/realtime?topic=b`);
    await app.realtime.close();
    await second.ended;
    await vi.waitFor(() => expect(seen).toContain('onResponse 200 /realtime?topic=b'));
    expect(seen.filter((entry) => entry.startsWith('onSend'))).toEqual([`onSend ${pollUrl}`]);
  });

  it('closes the hub before the server (preClose), so app.close() ends open streams instead of hanging', async () => {
    const hub = createHub();
    const app = Fastify();
    await app.register(realtime, { prefix: '/realtime', hub });
    await app.ready();
    const server = await listen(app.server);
    cleanups.push(() => server.close());
    const stream = await subscribe(`${server.url}/realtime?topic=a`);
    await vi.waitFor(() => expect(hub.stats().connections.sse).toBe(1));
    await app.close();
    await stream.ended;
    expect(hub.closed).toBe(true);
    expect(hub.stats().disconnects['server-close']).toBe(1);
  });

  it('drains over closeGraceMs on app.close()', async () => {
    const hub = createHub();
    const close = vi.spyOn(hub, 'close');
    const app = Fastify();
    await app.register(realtime, { prefix: '/realtime', hub, closeGraceMs: 200 });
    const server = await serve(app);
    const streams = [
      await subscribe(`${server.url}/realtime?topic=a`),
      await subscribe(`${server.url}/realtime?topic=b`),
    ];
    await app.close();
    await Promise.all(streams.map((stream) => stream.ended));
    expect(close).toHaveBeenCalledWith({ graceMs: 200 });
    expect(hub.stats().disconnects['server-close']).toBe(2);
  });

  it('hands topics and authorize the Fastify request', async () => {
    const app = Fastify();
    app.decorateRequest('user', '');
    app.addHook('onRequest', async (request) => {
      (request as typeof request & { user: string }).user = String(request.headers['x-user'] ?? '');
    });
    await app.register(realtime, {
      prefix: '/realtime',
      topics: (request) => [`user:${(request as typeof request & { user: string }).user}`],
      authorize: (request) => request.headers['x-user'] !== 'mallory',
    });
    const server = await serve(app);
    const denied = await fetch(`${server.url}/realtime`, { headers: { 'x-user': 'mallory' } });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: { code: 'forbidden' } });
    const stream = await openSse(`${server.url}/realtime`, { 'x-user': '42' });
    cleanups.push(() => stream.close());
    await app.realtime.publish('user:42', 'for 42');
    expect((await stream.waitForEvents(1))[0]!.data).toBe('for 42');
  });
});
