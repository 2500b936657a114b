import Router from '@koa/router';
import { realtime } from '@tidings/koa';
import Koa from 'koa';
import koaCompress from 'koa-compress';
import mount from 'koa-mount';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listen, type TestServer } from '../helpers/server.js';
import { openSse, type SseConnection } from '../helpers/sse-client.js';

describe('@tidings/koa', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function serve(app: Koa, rt: { close(): Promise<void> }): Promise<TestServer> {
    const server = await listen(app.callback());
    cleanups.push(
      () => server.close(),
      () => rt.close(),
    );
    return server;
  }
  async function subscribe(url: string): Promise<SseConnection> {
    const stream = await openSse(url);
    cleanups.push(() => stream.close());
    return stream;
  }

  it('answers only its `path` and passes every other request on', async () => {
    const app = new Koa();
    const rt = realtime({ path: '/realtime' });
    app.use(rt);
    app.use((ctx) => {
      ctx.body = `next saw ${ctx.path}`;
    });
    const server = await serve(app, rt);
    expect(await (await fetch(`${server.url}/other`)).text()).toBe('next saw /other');
    expect(await (await fetch(`${server.url}/realtime/sub`)).text()).toBe('next saw /realtime/sub');
    const poll = await fetch(`${server.url}/realtime?topic=a`);
    expect(poll.status).toBe(200);
    expect(await poll.json()).toMatchObject({ events: [] });
  });

  it('works under koa-mount and @koa/router without a path', async () => {
    const app = new Koa();
    const mounted = realtime();
    const routed = realtime({ hub: mounted.hub });
    const router = new Router();
    router.all('/api/events', routed);
    router.get('/api/other', (ctx) => {
      ctx.body = 'other';
    });
    app.use(mount('/rt', mounted));
    app.use(router.routes());
    const server = await serve(app, mounted);

    const viaMount = await subscribe(`${server.url}/rt?topic=a`);
    const viaRouter = await subscribe(`${server.url}/api/events?topic=a`);
    expect([viaMount.status, viaRouter.status]).toEqual([200, 200]);
    await vi.waitFor(() => expect(mounted.hub.stats().connections.sse).toBe(2));
    await routed.publish('a', 'one hub, two mounts');
    expect((await viaMount.waitForEvents(1))[0]!.data).toBe('one hub, two mounts');
    expect((await viaRouter.waitForEvents(1))[0]!.data).toBe('one hub, two mounts');
    expect(await (await fetch(`${server.url}/api/other`)).text()).toBe('other');
    expect((await fetch(`${server.url}/api/events?topic=a`, { method: 'POST' })).status).toBe(405);
  });

  it('keeps the stream safe from upstream middleware, which still sees the status; polls go through koa-compress', async () => {
    const app = new Koa();
    const statuses: number[] = [];
    app.use(async (ctx, next) => {
      await next();
      statuses.push(ctx.status);
      // A typical fallback that would end a response it thinks is empty.
      ctx.body ??= 'fallback body';
    });
    app.use(koaCompress({ threshold: 0 }));
    const rt = realtime({ path: '/realtime' });
    app.use(rt);
    const server = await serve(app, rt);

    const stream = await subscribe(`${server.url}/realtime?topic=a`);
    await vi.waitFor(() => expect(statuses).toEqual([200]));
    expect(stream.headers.get('content-encoding')).toBeNull();
    await rt.publish('a', 'still streaming');
    await rt.publish('a', 'and again');
    expect((await stream.waitForEvents(2)).map((event) => event.data)).toEqual([
      'still streaming',
      'and again',
    ]);

    const poll = await fetch(
      `${server.url}/realtime?topic=a&cursor=${stream.headers.get('tidings-cursor')}`,
      {
        headers: { 'accept-encoding': 'gzip' },
      },
    );
    expect(poll.headers.get('content-encoding')).toBe('gzip');
    expect((await poll.json()).events).toHaveLength(2);
    expect(statuses).toEqual([200, 200]);
  });

  it('hands topics and authorize the Koa context', async () => {
    const app = new Koa();
    app.use(async (ctx, next) => {
      ctx.state.user = ctx.get('x-user');
      await next();
    });
    const rt = realtime({
      path: '/realtime',
      topics: (ctx) => [`user:${ctx.state.user}`],
      authorize: (ctx) => ctx.state.user !== 'mallory',
    });
    app.use(rt);
    const server = await serve(app, rt);
    const denied = await fetch(`${server.url}/realtime`, { headers: { 'x-user': 'mallory' } });
    expect(denied.status).toBe(403);
    expect((await denied.json()).error.code).toBe('forbidden');
    const stream = await openSse(`${server.url}/realtime`, { 'x-user': '42' });
    cleanups.push(() => stream.close());
    await rt.publish('user:42', 'for 42');
    expect((await stream.waitForEvents(1))[0]!.data).toBe('for 42');
  });
});
