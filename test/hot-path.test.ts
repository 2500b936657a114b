import { OutgoingMessage } from 'node:http';
import { Socket } from 'node:net';
import {
  createHub,
  createNodeHandler,
  encodeEvent,
  formatEventId,
  type Hub,
  MemoryBroker,
  toResponseSink,
} from '@tidings/core';
import { realtime } from '@tidings/express';
import compression from 'compression';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listen, type TestServer } from './helpers/server.js';
import { openSse, type SseConnection } from './helpers/sse-client.js';

/**
 * Guards the delivery hot path without timing anything: one publish is framed once — SSE
 * bytes and HTTP/1.1 chunk framing — and that one buffer is what every subscriber's
 * socket receives. Per-subscriber framing, copying or `ServerResponse.write` creeping
 * back in fails these tests.
 */
const SUBSCRIBERS = 25;

let server: TestServer | undefined;
let hub: Hub | undefined;
let clients: SseConnection[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const client of clients) client.close();
  clients = [];
  await hub?.close();
  await server?.close();
  server = hub = undefined;
});

/** Every `Socket#write` of a buffer containing `marker`, with the socket it went to. */
/**
 * Records the socket writes that carry `marker`. With `stallMs`, the first of them blocks that
 * long (a fault: one slow write), so the fan-out it is part of outruns its time budget.
 */
function spySocketWrites(marker: string, stallMs = 0): { socket: Socket; chunk: Buffer }[] {
  const writes: { socket: Socket; chunk: Buffer }[] = [];
  const original = Socket.prototype.write;
  vi.spyOn(Socket.prototype, 'write').mockImplementation(function (this: Socket, ...args: unknown[]) {
    const [chunk] = args;
    if (Buffer.isBuffer(chunk) && chunk.includes(marker)) {
      if (writes.length === 0 && stallMs > 0) {
        const until = performance.now() + stallMs;
        while (performance.now() < until);
      }
      writes.push({ socket: this, chunk });
    }
    return Reflect.apply(original, this, args) as boolean;
  });
  return writes;
}

async function subscribe(url: string, count: number): Promise<void> {
  clients = await Promise.all(Array.from({ length: count }, () => openSse(`${url}?topic=hot`)));
}

describe('the delivery hot path', () => {
  it('frames a publish once and writes that same chunk-framed buffer to every subscriber socket', async () => {
    hub = createHub();
    const handle = createNodeHandler(hub);
    server = await listen((req, res) => void handle(req, res, req));
    await subscribe(server.url, SUBSCRIBERS);
    const writes = spySocketWrites('marker-1');
    const responseWrite = vi.spyOn(OutgoingMessage.prototype, 'write');

    const id = await hub.publish('hot', 'marker-1');
    await Promise.all(clients.map((client) => client.waitForEvents(1)));

    expect(responseWrite).not.toHaveBeenCalled();
    expect(writes).toHaveLength(SUBSCRIBERS);
    expect(new Set(writes.map((w) => w.socket)).size).toBe(SUBSCRIBERS);
    expect(new Set(writes.map((w) => w.chunk)).size).toBe(1);
    const sse = encodeEvent({ id, topic: 'hot', event: undefined, data: 'marker-1' });
    expect(writes[0]?.chunk.toString()).toBe(`${sse.length.toString(16)}\r\n${sse}\r\n`);
    for (const client of clients) {
      expect(client.events).toEqual([{ id, topic: 'hot', event: undefined, data: 'marker-1' }]);
    }
  });

  it('does the same per publish whatever the subscriber count (Express adapter)', async () => {
    const rt = realtime();
    hub = rt.hub;
    const app = express();
    app.use('/realtime', rt);
    server = await listen(app);
    await subscribe(`${server.url}/realtime`, 3);
    const writes = spySocketWrites('marker-');
    for (let i = 0; i < 4; i++) await hub.publish('hot', `marker-${i}`);
    await Promise.all(clients.map((client) => client.waitForEvents(4)));

    expect(writes).toHaveLength(3 * 4);
    expect(new Set(writes.map((w) => w.chunk)).size).toBe(4);
    for (const { chunk } of writes) expect(chunk.toString()).toMatch(/^[0-9a-f]+\r\nid: .*\r\n$/s);
  });

  it('corks each socket once for a burst of events published in the same tick', async () => {
    hub = createHub();
    const handle = createNodeHandler(hub);
    server = await listen((req, res) => void handle(req, res, req));
    await subscribe(server.url, 4);
    const writes = spySocketWrites('burst-');
    const corks = vi.spyOn(Socket.prototype, 'cork');
    await Promise.all(Array.from({ length: 5 }, (_, i) => hub?.publish('hot', `burst-${i}`)));
    await Promise.all(clients.map((client) => client.waitForEvents(5)));

    const subscriberSockets = new Set(writes.map((w) => w.socket));
    expect(writes).toHaveLength(4 * 5);
    expect(subscriberSockets.size).toBe(4);
    const corkedSockets = corks.mock.contexts.filter((socket) => subscriberSockets.has(socket as Socket));
    expect(corkedSockets).toHaveLength(4);
  });

  it('writes events queued behind a fan-out that outran its turn to each socket as one joined chunk', async () => {
    hub = createHub();
    const handle = createNodeHandler(hub);
    server = await listen((req, res) => void handle(req, res, req));
    const count = 300; // more than one slice (256) of subscribers between looks at the clock
    await subscribe(server.url, count);
    // A first write slower than the whole turn's budget (20 ms): the fan-out yields after 256.
    const writes = spySocketWrites('run-', 40);
    // In one tick: the first starts a fan-out that goes on next turn, the other four queue behind it.
    const ids = await Promise.all(
      Array.from({ length: 5 }, (_, i) => (hub as Hub).publish('hot', `run-${i}`)),
    );
    await Promise.all(clients.map((client) => client.waitForEvents(5)));

    expect(writes).toHaveLength(2 * count);
    const joined = writes.filter((w) => w.chunk.includes('run-1'));
    expect(joined).toHaveLength(count);
    expect(new Set(joined.map((w) => w.chunk)).size).toBe(1);
    const text = ids
      .slice(1)
      .map((id, i) => encodeEvent({ id, topic: 'hot', event: undefined, data: `run-${i + 1}` }).toString())
      .join('');
    expect(joined[0]?.chunk.toString()).toBe(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
    for (const client of clients)
      expect(client.events.map((e) => e.data)).toEqual(ids.map((_, i) => `run-${i}`));
  });

  it('leaves a wrapped response (compression) to its own write, and the stream still decodes', async () => {
    hub = createHub();
    const app = express();
    app.use(compression({ threshold: 0 }));
    app.use('/realtime', realtime({ hub }));
    server = await listen(app);
    await subscribe(`${server.url}/realtime`, 2);
    const writes = spySocketWrites('marker-z');
    const id = await hub.publish('hot', 'marker-z');
    await Promise.all(clients.map((client) => client.waitForEvents(1)));

    // Through the wrapper's write (which frames the chunk itself), never the pre-framed chunk.
    const sse = encodeEvent({ id, topic: 'hot', event: undefined, data: 'marker-z' }).toString();
    expect(writes.map((w) => w.chunk.toString())).toEqual([sse, sse]);
    for (const client of clients) {
      expect(client.events).toEqual([{ id, topic: 'hot', event: undefined, data: 'marker-z' }]);
    }
  });

  it('keeps no per-connection closures in the node response sink', async () => {
    hub = createHub();
    server = await listen((_req, res) => {
      const sink = toResponseSink(res);
      const ownFunctions = Object.values(sink).filter((value) => typeof value === 'function');
      res.end(String(ownFunctions.length));
    });
    expect(await (await fetch(server.url)).text()).toBe('0');
  });
});

describe('the long-poll wake path', () => {
  type PollBody = { events: { id: string; data: string }[]; cursor: string };

  /** Opens `count` long-polls on `query` from the hub's head; resolves to their bodies. */
  async function longPolls(url: string, query: string, count: number): Promise<Promise<PollBody>[]> {
    const { epoch, seq } = await (hub as Hub).broker.head();
    const cursor = formatEventId(epoch, seq);
    return Array.from({ length: count }, () =>
      fetch(`${url}?${query}&cursor=${cursor}`, { headers: { prefer: 'wait=30' } }).then((res) => res.json()),
    );
  }

  /** Every `Socket#write` of a poll answer (a string or buffer) containing `marker`, by socket. */
  function spyAnswerWrites(marker: string): Socket[] {
    const sockets: Socket[] = [];
    const original = Socket.prototype.write;
    vi.spyOn(Socket.prototype, 'write').mockImplementation(function (this: Socket, ...args: unknown[]) {
      const [chunk] = args;
      if ((typeof chunk === 'string' || Buffer.isBuffer(chunk)) && chunk.includes(marker)) sockets.push(this);
      return Reflect.apply(original, this, args) as boolean;
    });
    return sockets;
  }

  it('answers every waiting long-poll inside the publish, from the event itself, with no history read', async () => {
    const broker = new MemoryBroker();
    hub = createHub({ broker });
    const handle = createNodeHandler(hub);
    server = await listen((req, res) => void handle(req, res, req));
    const read = broker.history.bind(broker);
    let settled = 0;
    const history = vi.spyOn(broker, 'history').mockImplementation(async (...args) => {
      const result = await read(...args);
      settled++;
      return result;
    });
    const waiting = [
      ...(await longPolls(server.url, 'topic=a', 20)),
      ...(await longPolls(server.url, 'topic=a&topic=b', 10)),
    ];
    // Each long-poll waits in the microtasks right after its (empty) read settles.
    await vi.waitFor(() => expect(settled).toBe(30), { timeout: 20_000 });
    const writes = spyAnswerWrites('wake-marker');

    const published = hub.publish('a', 'wake-marker');
    // Synchronously, before the publish resolves: every waiter's answer is on its socket.
    expect(new Set(writes).size).toBe(30);
    const id = await published;
    const bodies = await Promise.all(waiting);

    for (const body of bodies) {
      expect(body.events).toEqual([expect.objectContaining({ id, data: 'wake-marker' })]);
      expect(body.cursor).toBe(id);
    }
    expect(history).toHaveBeenCalledTimes(30);
    await broker.close();
  });

  it('reads history instead once the broker reported an error: live delivery may have a gap', async () => {
    hub = createHub();
    const handle = createNodeHandler(hub);
    server = await listen((req, res) => void handle(req, res, req));
    const read = hub.broker.history.bind(hub.broker);
    let settled = 0;
    const history = vi.spyOn(hub.broker, 'history').mockImplementation(async (...args) => {
      const result = await read(...args);
      settled++;
      return result;
    });
    const waiting = await longPolls(server.url, 'topic=a', 10);
    await vi.waitFor(() => expect(settled).toBe(10), { timeout: 20_000 });
    hub.count('brokerErrors');

    const id = await hub.publish('a', 'wake');
    const bodies = await Promise.all(waiting);

    for (const body of bodies) expect(body.events).toEqual([expect.objectContaining({ id, data: 'wake' })]);
    expect(history).toHaveBeenCalledTimes(10 + 1);
  });

  it('reads history once for every long-poll woken by the same event, not once per waiter', async () => {
    // Waiters still reading when the event comes cannot be answered from it: they read again.
    const broker = new MemoryBroker();
    hub = createHub({ broker });
    const handle = createNodeHandler(hub);
    server = await listen((req, res) => void handle(req, res, req));
    const read = broker.history.bind(broker);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const history = vi.spyOn(broker, 'history').mockImplementation(async (...args) => {
      const result = await read(...args);
      await gate;
      return result;
    });
    const waiting = [
      ...(await longPolls(server.url, 'topic=a', 20)),
      ...(await longPolls(server.url, 'topic=a&topic=b', 10)),
    ];
    await vi.waitFor(() => expect(history).toHaveBeenCalledTimes(30), { timeout: 20_000 });

    const id = await hub.publish('a', 'wake');
    open();
    const bodies = await Promise.all(waiting);

    for (const body of bodies) expect(body.events).toEqual([expect.objectContaining({ id, data: 'wake' })]);
    // One read per batch: the `a` waiters share one, the `a`+`b` waiters another.
    expect(history).toHaveBeenCalledTimes(30 + 2);
    await broker.close();
  });
});
