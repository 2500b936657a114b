import { afterEach, describe, expect, it } from 'vitest';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { errorOf, type Served, serve } from './serve.js';

let served: Served | undefined;
const streams: SseConnection[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await served?.close();
  served = undefined;
});

async function open(url: string, headers: Record<string, string> = {}) {
  const stream = await openSse(url, headers);
  streams.push(stream);
  return stream;
}

describe('connection limits', () => {
  it('refuses a stream beyond maxConnections with 429, Retry-After and a JSON error, and counts it', async () => {
    served = await serve({}, { limits: { maxConnections: 2, retryAfterSeconds: 7 } });
    const url = `${served.url}/?topic=a`;
    expect((await open(url)).status).toBe(200);
    expect((await open(url)).status).toBe(200);
    const refused = await fetch(url, { headers: { accept: 'text/event-stream' } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(await errorOf(refused)).toMatchObject({ code: 'too-many-requests' });
    expect(served.hub.limiter.snapshot()).toMatchObject({ open: 2, refused: { 'too-many-requests': 1 } });
  });

  it('frees the slot when a stream closes', async () => {
    served = await serve({}, { limits: { maxConnections: 1 } });
    const url = `${served.url}/?topic=a`;
    const first = await open(url);
    first.close();
    await first.ended;
    await expect.poll(() => served?.hub.limiter.snapshot().open).toBe(0);
    expect((await open(url)).status).toBe(200);
  });

  it('limits connections per key only when connectionKey is set', async () => {
    served = await serve(
      { connectionKey: (req) => String(req.headers['x-user']) },
      { limits: { maxConnectionsPerKey: 1 } },
    );
    const url = `${served.url}/?topic=a`;
    expect((await open(url, { 'x-user': 'ann' })).status).toBe(200);
    expect((await open(url, { 'x-user': 'bob' })).status).toBe(200);
    const refused = await fetch(url, { headers: { accept: 'text/event-stream', 'x-user': 'ann' } });
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).message).toMatch(/this client/);
    expect(served.hub.limiter.snapshot().keys).toBe(2);
  });

  it('caps concurrent long-polls and answers plain polls regardless', async () => {
    served = await serve({}, { limits: { maxLongPolls: 1 } });
    const controller = new AbortController();
    const waiting = fetch(`${served.url}/?topic=a&wait=20`, { signal: controller.signal }).catch(
      () => undefined,
    );
    await expect.poll(() => served?.hub.limiter.snapshot().longPolls).toBe(1);
    const refused = await fetch(`${served.url}/?topic=a&wait=20`);
    expect(refused.status).toBe(429);
    expect((await fetch(`${served.url}/?topic=a`)).status).toBe(200);
    controller.abort();
    await waiting;
    await expect.poll(() => served?.hub.limiter.snapshot().longPolls).toBe(0);
  });
});

describe('request size limits', () => {
  it('answers an over-long URL with 414 uri-too-long', async () => {
    served = await serve({}, { limits: { maxUrlLength: 200 } });
    const response = await fetch(`${served.url}/?topic=a&pad=${'x'.repeat(300)}`);
    expect(response.status).toBe(414);
    expect(await errorOf(response)).toMatchObject({ code: 'uri-too-long' });
  });

  it('answers an over-long header it reads with 431 header-too-large, without echoing it', async () => {
    served = await serve({}, { limits: { maxHeaderLength: 100 } });
    const response = await fetch(`${served.url}/?topic=a`, {
      headers: { prefer: `wait=1, x=${'y'.repeat(200)}` },
    });
    expect(response.status).toBe(431);
    const error = await errorOf(response);
    expect(error.code).toBe('header-too-large');
    expect(error.message).not.toContain('yyyy');
  });

  it('rejects more topics than maxTopicsPerRequest and an over-long cursor with 400', async () => {
    served = await serve({}, { maxTopicsPerRequest: 2 });
    const many = await fetch(`${served.url}/?topic=a&topic=b&topic=c`);
    expect(many.status).toBe(400);
    expect((await errorOf(many)).code).toBe('too-many-topics');
    const cursor = await fetch(`${served.url}/?topic=a&cursor=${'a'.repeat(60)}`);
    expect(cursor.status).toBe(400);
    expect((await errorOf(cursor)).code).toBe('invalid-cursor');
  });

  it('bounds a poll answer by maxReplay and advises polling again at once', async () => {
    served = await serve({}, { maxReplay: 5 });
    const start = (await (await fetch(`${served.url}/?topic=a`)).json()) as { cursor: string };
    for (let i = 0; i < 12; i++) await served.hub.publish('a', i);
    const page = (await (await fetch(`${served.url}/?topic=a&cursor=${start.cursor}`)).json()) as {
      events: unknown[];
      retryAfterMs: number;
    };
    expect(page.events).toHaveLength(5);
    expect(page.retryAfterMs).toBe(0);
  });

  it('rejects an oversized publish with a typed event-too-large error', async () => {
    served = await serve({}, { maxEventBytes: 10 });
    await expect(served.hub.publish('a', 'x'.repeat(11))).rejects.toMatchObject({
      code: 'event-too-large',
      status: 413,
    });
  });
});
