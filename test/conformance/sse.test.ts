import type { Socket } from 'node:net';
import { createConnection } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { stalledClient } from '../helpers/stalled-client.js';
import { adapters } from './adapters.js';
import { useApps } from './harness.js';

describe.each(adapters)('SSE over $name', (adapter) => {
  const start = useApps(adapter);
  const streams: SseConnection[] = [];
  const stalledSockets: Socket[] = [];
  // Registered after useApps' hook, so it runs first: streams close before their servers.
  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
    for (const socket of stalledSockets.splice(0)) socket.destroy();
  });
  async function subscribe(url: string, headers?: Record<string, string>): Promise<SseConnection> {
    const stream = await openSse(url, headers);
    streams.push(stream);
    return stream;
  }

  it('answers with the SSE headers, an opening comment, a jittered retry and its starting position', async () => {
    const app = await start({ retryMs: 1000, retryJitterMs: 500 });
    const stream = await subscribe(`${app.url}?topic=news`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(stream.headers.get('x-accel-buffering')).toBe('no');
    expect(stream.headers.get('connection')).toBe('keep-alive');
    expect(stream.headers.get('vary')).toContain('Accept');
    expect(stream.headers.get('tidings-cursor')).toMatch(/^[a-z0-9]+-0$/);
    await stream.waitForComment((comment) => comment.includes('tidings'));
    await vi.waitFor(() => expect(stream.retries).toHaveLength(1));
    expect(stream.retries[0]).toBeGreaterThanOrEqual(1000);
    expect(stream.retries[0]).toBeLessThan(1500);
  });

  it('frames multi-line data, unicode, JSON and event names exactly', async () => {
    const app = await start();
    const stream = await subscribe(`${app.url}?topic=news`);
    await vi.waitFor(() => expect(app.hub.stats().topics).toBe(1));
    await app.hub.publish('news', 'line one\nline two\r\nline three\rline four');
    await app.hub.publish('news', 'héllo wörld — 日本語 🎉', { event: 'greeting' });
    await app.hub.publish('news', { nested: { list: [1, 2, 3] }, text: 'a\nb' });
    await app.hub.publish('news', '');
    const events = await stream.waitForEvents(4);
    expect(events[0]).toMatchObject({ event: undefined, data: 'line one\nline two\nline three\nline four' });
    expect(events[1]).toMatchObject({ event: 'greeting', data: 'héllo wörld — 日本語 🎉' });
    expect(JSON.parse(events[2]!.data)).toEqual({ nested: { list: [1, 2, 3] }, text: 'a\nb' });
    expect(events[3]!.data).toBe('');
    const ids = events.map((event) => Number(event.id!.split('-')[1]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(4);
  });

  it('delivers every subscribed topic and nothing else', async () => {
    const app = await start();
    const stream = await subscribe(`${app.url}?topic=a&topic=b`);
    await vi.waitFor(() => expect(app.hub.stats().topics).toBe(2));
    await app.hub.publish('a', 'a1');
    await app.hub.publish('c', 'c1');
    await app.hub.publish('b', 'b1');
    await app.hub.publish('a', 'a2');
    const events = await stream.waitForEvents(3);
    expect(events.map((event) => event.data)).toEqual(['a1', 'b1', 'a2']);
  });

  it('resumes several topics from one Last-Event-ID with no loss and no duplicate', async () => {
    const app = await start();
    const first = await subscribe(`${app.url}?topic=a&topic=b`);
    await vi.waitFor(() => expect(app.hub.stats().topics).toBe(2));
    await app.hub.publish('a', 'a1');
    await app.hub.publish('b', 'b1');
    const seen = await first.waitForEvents(2);
    first.close();
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(0));
    // Missed while disconnected, interleaved with a topic the client does not want.
    await app.hub.publish('b', 'b2');
    await app.hub.publish('x', 'x1');
    await app.hub.publish('a', 'a2');
    const second = await subscribe(`${app.url}?topic=a&topic=b`, { 'last-event-id': seen[1]!.id! });
    await vi.waitFor(() => expect(second.events).toHaveLength(2));
    await app.hub.publish('a', 'a3');
    const events = await second.waitForEvents(3);
    expect(events.map((event) => event.data)).toEqual(['b2', 'a2', 'a3']);
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
  });

  it("names each event's topic in its id: field, and takes the field back as Last-Event-ID", async () => {
    const app = await start();
    const first = await subscribe(`${app.url}?topic=a&topic=b`);
    await vi.waitFor(() => expect(app.hub.stats().topics).toBe(2));
    const ids = [await app.hub.publish('b', 'b1'), await app.hub.publish('a', 'a1')];
    const events = await first.waitForEvents(2);
    expect(events.map(({ id, topic }) => ({ id, topic }))).toEqual([
      { id: ids[0], topic: 'b' },
      { id: ids[1], topic: 'a' },
    ]);
    // What a native EventSource sends on reconnect: the whole field, topic included.
    expect(first.lastEventId).toBe(`${ids[1]} a`);
    first.close();
    await app.hub.publish('b', 'b2');
    const second = await subscribe(`${app.url}?topic=a&topic=b`, { 'last-event-id': `${ids[0]} b` });
    const resumed = await second.waitForEvents(2);
    expect(resumed.map((event) => event.data)).toEqual(['a1', 'b2']);
  });

  it('resumes from the lastEventId query parameter, and the header wins over it', async () => {
    const app = await start();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await app.hub.publish('q', `e${i}`));
    const byQuery = await subscribe(`${app.url}?topic=q&lastEventId=${ids[0]}`);
    expect((await byQuery.waitForEvents(2)).map((event) => event.data)).toEqual(['e1', 'e2']);
    const both = await subscribe(`${app.url}?topic=q&lastEventId=${ids[0]}`, { 'last-event-id': ids[1]! });
    expect((await both.waitForEvents(1)).map((event) => event.data)).toEqual(['e2']);
  });

  it('sends an explicit reset for an expired id and for an id of another epoch', async () => {
    const app = await start({ retention: { maxEvents: 2 } });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await app.hub.publish('r', `e${i}`));
    const expired = await subscribe(`${app.url}?topic=r`, { 'last-event-id': ids[0]! });
    const [reset] = await expired.waitForEvents(1);
    expect(reset!.event).toBe('reset');
    expect(JSON.parse(reset!.data)).toEqual({ reason: 'expired', cursor: ids[4] });
    expect(reset!.id).toBe(ids[4]);
    await app.hub.publish('r', 'after-reset');
    expect((await expired.waitForEvents(2))[1]!.data).toBe('after-reset');

    const foreign = await subscribe(`${app.url}?topic=r`, { 'last-event-id': 'otherepoch-3' });
    const [unknown] = await foreign.waitForEvents(1);
    expect(unknown!.event).toBe('reset');
    expect(JSON.parse(unknown!.data).reason).toBe('unknown');
    expect(app.hub.stats().resets).toBe(2);
  });

  it('writes heartbeat comments on the shared schedule', async () => {
    const app = await start({ heartbeatMs: 1000 });
    const stream = await subscribe(`${app.url}?topic=hb`);
    await stream.waitForComment((comment) => comment === '');
  });

  it('disconnects a client that stops reading as slow-consumer, without disturbing others', async () => {
    const app = await start({ maxBufferedBytes: 64 * 1024 });
    const healthy = await subscribe(`${app.url}?topic=flood`);
    const url = new URL(`${app.url}?topic=flood`);
    const stalled = createConnection({ host: url.hostname, port: Number(url.port) });
    stalled.pause(); // never reads: the kernel buffers fill, then the server's queue grows
    stalled.write(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`,
    );
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(2));
    const payload = 'x'.repeat(16 * 1024);
    let published = 0;
    // Paced by the healthy reader, so only the stalled one falls behind.
    while (app.hub.stats().disconnects['slow-consumer'] === 0 && published < 4000) {
      await app.hub.publish('flood', payload);
      await healthy.waitForEvents(++published);
    }
    stalled.destroy();
    expect(app.hub.stats().disconnects['slow-consumer']).toBe(1);
    expect(healthy.events.every((event) => event.data === payload)).toBe(true);
    expect(app.hub.stats().connections.sse).toBe(1);
  });

  it('drop-oldest: holds back for a client that stops reading and lets it out on drain, without disturbing others', async () => {
    const app = await start({
      maxBufferedBytes: 64 * 1024,
      slowConsumer: 'drop-oldest',
      heartbeatMs: 60_000,
    });
    const healthy = await subscribe(`${app.url}?topic=flood`);
    const stalled = await stalledClient(`${app.url}?topic=flood`);
    stalledSockets.push(stalled.socket);
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(2));
    const payload = 'x'.repeat(16 * 1024);
    let published = 0;
    // Paced by the healthy reader, so only the stalled one falls behind.
    while (app.hub.stats().slowConsumerDrops === 0 && published < 4000) {
      await app.hub.publish('flood', `${published} ${payload}`);
      await healthy.waitForEvents(++published);
    }
    expect(app.hub.stats().slowConsumerDrops).toBeGreaterThan(0);
    stalled.resume();
    await vi.waitFor(() => expect(stalled.events.at(-1)?.data.startsWith(`${published - 1} `)).toBe(true), {
      timeout: 20_000,
    });
    const numbers = stalled.events
      .filter((event) => event.event !== 'reset')
      .map((event) => Number.parseInt(event.data, 10));
    expect(stalled.events.some((event) => event.event === 'reset')).toBe(true);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(healthy.events.map((event) => Number.parseInt(event.data, 10))).toEqual([
      ...Array(published).keys(),
    ]);
    expect(app.hub.stats().disconnects['slow-consumer']).toBe(0);
  });

  it('releases the subscriber and its topics when the client goes away', async () => {
    const app = await start();
    const stream = await subscribe(`${app.url}?topic=a&topic=b`);
    await vi.waitFor(() => expect(app.hub.stats()).toMatchObject({ connections: { sse: 1 }, topics: 2 }));
    stream.close();
    await vi.waitFor(() => expect(app.hub.stats()).toMatchObject({ connections: { sse: 0 }, topics: 0 }));
    expect(app.hub.stats().disconnects['client-closed']).toBe(1);
  });

  it('ends every stream on close() and refuses new requests with 503', async () => {
    const app = await start();
    const stream = await subscribe(`${app.url}?topic=bye`);
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(1));
    await app.hub.close();
    await stream.ended;
    expect(app.hub.stats().disconnects['server-close']).toBe(1);
    const refused = await fetch(`${app.url}?topic=bye`);
    expect(refused.status).toBe(503);
    expect((await refused.json()).error.code).toBe('shutting-down');
  });

  it('streams unbuffered behind the compression middleware', async () => {
    const app = await start({ compression: true });
    const stream = await subscribe(`${app.url}?topic=z`, { 'accept-encoding': 'gzip' });
    expect(stream.headers.get('content-encoding')).toBeNull();
    await vi.waitFor(() => expect(app.hub.stats().topics).toBe(1));
    await app.hub.publish('z', 'through compression');
    expect((await stream.waitForEvents(1))[0]!.data).toBe('through compression');
  });
});
