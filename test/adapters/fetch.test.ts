import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { realtime } from '@tidings/fetch';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSse } from '../helpers/sse-client.js';

/** Reads an SSE `Response` body in-process, the way a fetch runtime would hand it out. */
function readEvents(response: Response) {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const done = (async () => {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      parser.feed(decoder.decode(chunk.value, { stream: true }));
    }
  })();
  return { events, reader, done };
}

const sse = (url: string, init: RequestInit = {}) =>
  new Request(url, { ...init, headers: { accept: 'text/event-stream', ...init.headers } });

describe('@tidings/fetch', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  function handler(options: Parameters<typeof realtime>[0] = {}) {
    const rt = realtime(options);
    cleanups.push(() => rt.close());
    return rt;
  }

  it('is the whole app for @hono/node-server: SSE, poll and 304 on a real server', async () => {
    const rt = handler();
    const server = await new Promise<ServerType>((resolve) => {
      const started: ServerType = serve({ fetch: rt, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(started),
      );
    });
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/anything?topic=a`;
    const stream = await openSse(url);
    cleanups.push(() => stream.close());
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const id = await rt.publish('a', 'served by node-server');
    expect((await stream.waitForEvents(1))[0]).toMatchObject({ id, data: 'served by node-server' });
    const poll = await fetch(`${url}&cursor=${id}`);
    expect(poll.status).toBe(200);
    const etag = poll.headers.get('etag')!;
    const notModified = await fetch(`${url}&cursor=${id}`, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('tidings-retry-after-ms')).toMatch(/^\d+$/);
  });

  it('streams a ReadableStream body in-process and ends the subscription when the body is cancelled', async () => {
    const rt = handler();
    const response = await rt(sse('http://app.test/realtime?topic=a'));
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBeNull();
    const { events, reader, done } = readEvents(response);
    await rt.publish('a', 'first');
    await vi.waitFor(() => expect(events.map((event) => event.data)).toEqual(['first']));
    expect(rt.hub.stats().connections.sse).toBe(1);
    await reader.cancel();
    await done;
    await vi.waitFor(() => expect(rt.hub.stats()).toMatchObject({ connections: { sse: 0 }, topics: 0 }));
    expect(rt.hub.stats().disconnects['client-closed']).toBe(1);
  });

  it('ends streams and pending long-polls when request.signal aborts', async () => {
    const rt = handler();
    const streamAbort = new AbortController();
    const response = await rt(sse('http://app.test/realtime?topic=a', { signal: streamAbort.signal }));
    readEvents(response).done.catch(() => {});
    const pollAbort = new AbortController();
    const pending = rt(new Request('http://app.test/realtime?topic=a&wait=25', { signal: pollAbort.signal }));
    await vi.waitFor(() => expect(rt.hub.stats().connections).toMatchObject({ sse: 1, longPoll: 1 }));
    streamAbort.abort();
    pollAbort.abort();
    await pending;
    await vi.waitFor(() => expect(rt.hub.stats().connections).toMatchObject({ sse: 0, longPoll: 0 }));
    expect(rt.hub.stats().disconnects['client-closed']).toBe(2);
  });

  it('applies backpressure from the body queue: an unread body is closed as slow-consumer', async () => {
    const rt = handler({ maxBufferedBytes: 128 * 1024 });
    const unread = await rt(sse('http://app.test/realtime?topic=flood'));
    const reading = readEvents(await rt(sse('http://app.test/realtime?topic=flood')));
    const payload = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 64 && rt.hub.stats().disconnects['slow-consumer'] === 0; i++) {
      await rt.publish('flood', payload);
      await vi.waitFor(() => expect(reading.events).toHaveLength(i + 1));
    }
    expect(rt.hub.stats().disconnects['slow-consumer']).toBe(1);
    expect(rt.hub.stats().connections.sse).toBe(1);
    await expect(unread.body!.getReader().read()).rejects.toThrow(/aborted by the server/);
  });

  it('answers JSON errors and 405 as plain responses', async () => {
    const rt = handler();
    const missing = await rt(new Request('http://app.test/realtime'));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { code: 'missing-topic' } });
    const post = await rt(new Request('http://app.test/realtime?topic=a', { method: 'POST', body: '{}' }));
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });
});
