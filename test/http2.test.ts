import { once } from 'node:events';
import http2, {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type Http2SecureServer,
  type Http2Server,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hub, HubOptions } from '@tidings/core';
import { realtime as fastifyRealtime } from '@tidings/fastify';
import { realtime as fetchRealtime } from '@tidings/fetch';
import { realtime as koaRealtime } from '@tidings/koa';
import { realtime as nodeRealtime } from '@tidings/node';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { selfSignedCertificate } from './helpers/certificate.js';
import { CHROMIUM_PATH, hasChromium, requireService } from './helpers/services.js';

/** An app served over cleartext HTTP/2 (h2c) on 127.0.0.1. */
interface H2App {
  readonly origin: string;
  readonly hub: Hub;
  close(): Promise<void>;
}

/** Listens on port 0 and, on close, destroys live sessions (streams would hold `close()` open). */
async function serveH2(
  server: Http2Server | Http2SecureServer,
  hub: Hub,
  closeApp: () => Promise<void>,
): Promise<H2App> {
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hub,
    close: async () => {
      await closeApp();
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const targets: Array<{ name: string; start(options?: HubOptions): Promise<H2App> }> = [
  {
    name: 'node:http2',
    start: async (options) => {
      const rt = nodeRealtime(options);
      return serveH2(http2.createServer(rt), rt.hub, rt.close);
    },
  },
  {
    name: 'fastify (http2: true)',
    start: async (options) => {
      const app = Fastify({ http2: true });
      await app.register(fastifyRealtime, { ...options, prefix: '/realtime' });
      await app.ready();
      return serveH2(app.server, app.realtime.hub, () => app.close());
    },
  },
  {
    name: 'koa on node:http2',
    start: async (options) => {
      const app = new Koa();
      const rt = koaRealtime({ ...options, path: '/realtime' });
      app.use(rt);
      return serveH2(http2.createServer(app.callback()), rt.hub, rt.close);
    },
  },
  {
    name: 'fetch on @hono/node-server http2',
    start: async (options) => {
      const app = new Hono();
      const rt = fetchRealtime(options);
      app.all('/realtime', (c) => rt(c.req.raw));
      return serveH2(http2.createServer(getRequestListener(app.fetch)), rt.hub, rt.close);
    },
  },
];

/** One SSE subscription on an HTTP/2 stream of a shared session. */
interface H2Subscription {
  readonly stream: ClientHttp2Stream;
  readonly headers: http2.IncomingHttpHeaders;
  readonly events: EventSourceMessage[];
}

async function subscribe(session: ClientHttp2Session, path: string): Promise<H2Subscription> {
  const stream = session.request({ ':path': path, accept: 'text/event-stream' });
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => parser.feed(chunk));
  stream.on('error', () => {}); // a reset stream errors; the test looks at the server side
  const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  return { stream, headers, events };
}

describe.each(targets)('HTTP/2: $name', (target) => {
  const apps: H2App[] = [];
  const sessions: ClientHttp2Session[] = [];
  afterEach(async () => {
    for (const session of sessions.splice(0)) session.destroy();
    for (const app of apps.splice(0)) await app.close();
  });
  async function connect(options?: HubOptions): Promise<{ app: H2App; session: ClientHttp2Session }> {
    const app = await target.start(options);
    apps.push(app);
    return { app, session: await openSession(app) };
  }
  async function openSession(app: H2App): Promise<ClientHttp2Session> {
    const session = http2.connect(app.origin);
    sessions.push(session);
    await once(session, 'connect');
    return session;
  }

  it('drop-oldest: a stream whose reader pauses falls behind, and its backlog goes out on drain', async () => {
    const { app, session } = await connect({
      slowConsumer: 'drop-oldest',
      maxBufferedBytes: 64 * 1024,
      heartbeatMs: 60_000,
    });
    const healthy = await subscribe(session, '/realtime?topic=flood');
    // Its own session, so its exhausted flow-control window holds back only this stream.
    const paused = await subscribe(await openSession(app), '/realtime?topic=flood');
    paused.stream.pause();
    const payload = 'x'.repeat(16 * 1024);
    let published = 0;
    // Paced by the healthy reader, so only the paused one falls behind.
    while (app.hub.stats().slowConsumerDrops === 0 && published < 4000) {
      await app.hub.publish('flood', `${published++} ${payload}`);
      await vi.waitFor(() => expect(healthy.events).toHaveLength(published));
    }
    expect(app.hub.stats().slowConsumerDrops).toBeGreaterThan(0);
    paused.stream.resume();
    await vi.waitFor(() => expect(paused.events.at(-1)?.data.startsWith(`${published - 1} `)).toBe(true), {
      timeout: 20_000,
    });
    expect(paused.events.some((event) => event.event === 'reset')).toBe(true);
    expect(app.hub.stats()).toMatchObject({ connections: { sse: 2 }, disconnects: { 'slow-consumer': 0 } });
  });

  it('serves many concurrent subscriptions on one session, and cleans up on RST_STREAM and session end', async () => {
    const { app, session } = await connect();
    const count = 60;
    const subscriptions = await Promise.all(
      Array.from({ length: count }, (_, i) => subscribe(session, `/realtime?topic=t${i % 6}&topic=all`)),
    );
    for (const { headers } of subscriptions) {
      expect(headers[':status']).toBe(200);
      expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(headers.connection).toBeUndefined();
    }
    expect(app.hub.stats()).toMatchObject({ connections: { sse: count }, topics: 7 });

    await app.hub.publish('all', 'to everyone');
    await app.hub.publish('t3', 'to a sixth');
    await vi.waitFor(() => {
      for (const [i, { events }] of subscriptions.entries()) {
        expect(events.map((event) => event.data)).toEqual(
          i % 6 === 3 ? ['to everyone', 'to a sixth'] : ['to everyone'],
        );
      }
    });

    // RST_STREAM (CANCEL) on every other stream: each ends its subscription, the session lives on.
    for (const { stream } of subscriptions.filter((_, i) => i % 2 === 0)) {
      stream.close(http2.constants.NGHTTP2_CANCEL);
    }
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(count / 2));
    expect(app.hub.stats().disconnects['client-closed']).toBe(count / 2);
    await app.hub.publish('all', 'after the resets');
    await vi.waitFor(() => {
      for (const { events } of subscriptions.filter((_, i) => i % 2 === 1)) {
        expect(events.at(-1)?.data).toBe('after the resets');
      }
    });

    session.destroy();
    await vi.waitFor(() => expect(app.hub.stats()).toMatchObject({ connections: { sse: 0 }, topics: 0 }));
  });

  it('answers polls and JSON errors on the same session', async () => {
    const { session } = await connect();
    const request = async (path: string) => {
      const stream = session.request({ ':path': path });
      stream.setEncoding('utf8');
      let body = '';
      stream.on('data', (chunk: string) => {
        body += chunk;
      });
      const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
      await once(stream, 'end');
      return { status: headers[':status'], headers, body: JSON.parse(body) };
    };
    const poll = await request('/realtime?topic=news');
    expect(poll.status).toBe(200);
    expect(poll.body).toMatchObject({ events: [], cursor: expect.any(String) });
    expect(poll.headers.etag).toBe(`"${poll.body.cursor}"`);
    const refused = await request('/realtime?topic=bad%20topic');
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid-topic');
  });

  it('ends open streams when the app closes', async () => {
    const { app, session } = await connect();
    const { stream } = await subscribe(session, '/realtime?topic=bye');
    const ended = once(stream, 'close');
    await app.hub.close();
    await ended;
    expect(app.hub.stats().disconnects['server-close']).toBe(1);
  });
});

const SUBSCRIPTIONS = 10;
const PAGE = `<!doctype html><meta charset="utf-8"><title>h2</title><script>
  window.received = 0;
  for (let i = 0; i < ${SUBSCRIPTIONS}; i++) {
    new EventSource('/realtime?topic=t' + i).addEventListener('message', () => window.received++);
  }
</script>`;

const chromiumAvailable = await requireService('Chromium', hasChromium());

describe.skipIf(!chromiumAvailable)('HTTP/2 in Chromium', () => {
  it(`holds ${SUBSCRIPTIONS} EventSources of one page on one TLS session, past the six-connection limit of HTTP/1.1`, async () => {
    const rt = nodeRealtime();
    const versions: string[] = [];
    const server = http2.createSecureServer({ ...selfSignedCertificate(), allowHTTP1: true }, (req, res) => {
      if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      if (!req.url?.startsWith('/realtime')) return void res.writeHead(404).end();
      versions.push(req.httpVersion);
      void rt(req, res);
    });
    let sessions = 0;
    server.on('session', () => sessions++);
    const app = await serveH2(server, rt.hub, rt.close);
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--ignore-certificate-errors',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(app.origin.replace('http:', 'https:'));
      await expect.poll(() => rt.hub.stats().connections.sse).toBe(SUBSCRIPTIONS);
      for (let i = 0; i < SUBSCRIPTIONS; i++) await rt.publish(`t${i}`, 'hello');
      await expect
        .poll(() => page.evaluate(() => (window as unknown as { received: number }).received))
        .toBe(SUBSCRIPTIONS);
      expect(versions).toEqual(Array(SUBSCRIPTIONS).fill('2.0'));
      expect(sessions).toBe(1);
    } finally {
      await browser.close();
      await app.close();
    }
  });
});
