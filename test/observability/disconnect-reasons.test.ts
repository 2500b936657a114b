import { createConnection } from 'node:net';
import {
  createHandler,
  createHub,
  type DisconnectInfo,
  type DisconnectReason,
  type ResponseSink,
  toRealtimeRequest,
  toResponseSink,
} from '@tidings/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listen } from '../helpers/server.js';
import { openSse } from '../helpers/sse-client.js';
import { type ObservedApp, startApp } from './app.js';
import { FaultyBroker } from './faulty-broker.js';

/** The one disconnect of the app so far, checked against the metrics too. */
async function onlyDisconnect(app: ObservedApp, reason: DisconnectReason): Promise<DisconnectInfo> {
  await vi.waitFor(() => expect(app.disconnects).toHaveLength(1));
  const [info] = app.disconnects as [DisconnectInfo];
  expect(info.reason).toBe(reason);
  expect(info.durationMs).toBeGreaterThanOrEqual(0);
  expect(info.connectionId).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
  expect((await app.scrape()).value('tidings_disconnects_total', { reason })).toBe(1);
  return info;
}

describe('disconnect reasons: exactly one per connection, in onDisconnect and in the metrics', () => {
  let app: ObservedApp;
  afterEach(() => app?.close());

  it('client-closed: the client goes away, after the events it got', async () => {
    app = await startApp();
    const stream = await openSse(`${app.url}?topic=a&topic=b`);
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(1));
    await app.hub.publish('a', 1);
    const last = await app.hub.publish('b', 2);
    await stream.waitForEvents(2);
    stream.close();
    const info = await onlyDisconnect(app, 'client-closed');
    expect(info).toMatchObject({ transport: 'sse', topics: ['a', 'b'], delivered: 2, lastEventId: last });
  });

  it('completed: a poll answered with its events', async () => {
    app = await startApp();
    const start = await app.hub.broker.head();
    await app.hub.publish('p', 'one');
    const response = await fetch(`${app.url}?topic=p&cursor=${start.epoch}-${start.seq}`);
    expect((await response.json()).events).toHaveLength(1);
    const info = await onlyDisconnect(app, 'completed');
    expect(info).toMatchObject({ transport: 'poll', delivered: 1 });
  });

  it('server-close: the hub closes under an open stream', async () => {
    app = await startApp();
    const stream = await openSse(`${app.url}?topic=bye`);
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(1));
    const closing = app.hub.close();
    await stream.ended;
    await closing;
    expect(app.disconnects.map((info) => info.reason)).toEqual(['server-close']);
    expect((await app.scrape()).value('tidings_disconnects_total', { reason: 'server-close' })).toBe(1);
  });

  it('slow-consumer: a client that stops reading', async () => {
    app = await startApp({ maxBufferedBytes: 64 * 1024 });
    const url = new URL(`${app.url}?topic=flood`);
    const stalled = createConnection({ host: url.hostname, port: Number(url.port) });
    stalled.pause(); // never reads: the kernel buffers fill, then the server's queue grows
    stalled.write(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`,
    );
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(1));
    const payload = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 4000 && app.disconnects.length === 0; i++) await app.hub.publish('flood', payload);
    stalled.destroy();
    const info = await onlyDisconnect(app, 'slow-consumer');
    expect(info.delivered).toBeGreaterThan(0);
    expect((await app.scrape()).value('tidings_slow_consumer_disconnects_total')).toBe(1);
  });

  it('broker-error: the broker fails while a long-poll is served', async () => {
    const broker = new FaultyBroker();
    app = await startApp({ broker });
    broker.fail();
    const response = await fetch(`${app.url}?topic=x&wait=5`);
    expect(response.status).toBe(503);
    expect((await response.json()).error.code).toBe('broker-unavailable');
    const info = await onlyDisconnect(app, 'broker-error');
    expect(info.transport).toBe('longPoll');
    expect(response.headers.get('tidings-connection-id')).toBeNull(); // an error answer, before any stream
    expect((await app.scrape()).value('tidings_broker_errors_total')).toBeGreaterThanOrEqual(2); // outage + call
  });

  it('write-error: writing to the socket throws (fault injected into the sink)', async () => {
    const disconnects: DisconnectInfo[] = [];
    const hub = createHub({ onDisconnect: (info) => disconnects.push(info) });
    const handle = createHandler(hub);
    let failWrites = false;
    const server = await listen((req, res) => {
      const sink = toResponseSink(res);
      const faulty: ResponseSink = {
        writeHead: (status, headers) => sink.writeHead(status, headers),
        write(chunk) {
          if (failWrites) throw new Error('write EPIPE (injected)');
          return sink.write(chunk);
        },
        get bufferedBytes() {
          return sink.bufferedBytes;
        },
        get closed() {
          return sink.closed;
        },
        end: (body) => sink.end(body),
        destroy: () => sink.destroy(),
        onClose: (callback) => sink.onClose(callback),
        onDrain: (callback) => sink.onDrain(callback),
      };
      void handle(toRealtimeRequest(req), faulty, undefined);
    });
    try {
      const stream = await openSse(`${server.url}?topic=w`);
      await vi.waitFor(() => expect(hub.stats().connections.sse).toBe(1));
      failWrites = true;
      await hub.publish('w', 'lost');
      await stream.ended;
      expect(disconnects.map((info) => info.reason)).toEqual(['write-error']);
      expect(hub.stats().disconnects['write-error']).toBe(1);
    } finally {
      await hub.close();
      await server.close();
    }
  });
});
