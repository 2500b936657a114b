import { createHub, createNodeHandler, type Hub, MemoryBroker } from '@tidings/core';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type TestServer } from '../helpers/server.js';
import { openSse, type SseConnection } from '../helpers/sse-client.js';

/**
 * An event published from inside a fan-out (an `onDisconnect` hook announcing who left, called
 * when a delivery closes a stream) was fanned out at once, in the middle of the first event's
 * fan-out: the subscribers after the closed stream got the second event first, and then
 * dropped the first as already seen — lost for good. It now waits for the first to reach everyone.
 */
let server: TestServer | undefined;
let hub: Hub | undefined;
let clients: SseConnection[] = [];
afterEach(async () => {
  for (const client of clients) client.close();
  clients = [];
  await hub?.close();
  await server?.close();
  server = hub = undefined;
});

describe('an event published while another is being fanned out', () => {
  it('reaches every subscriber after the one before it, which is not lost', async () => {
    const broker = new MemoryBroker();
    const history = broker.history.bind(broker);
    /** The next history read waits for this gate: that stream stays in its replay, holding live events. */
    let gate: Promise<void> | undefined;
    let open = (): void => {};
    let gatedCalls = 0;
    broker.history = async (...args) => {
      const waiting = gate;
      gate = undefined;
      if (waiting) {
        gatedCalls++;
        await waiting;
      }
      return history(...args);
    };
    const created = createHub({
      broker,
      maxBufferedBytes: 100,
      onDisconnect: ({ reason }) => {
        if (reason === 'slow-consumer') void created.publish('t', 'left');
      },
    });
    hub = created;
    const handle = createNodeHandler(created);
    server = await listen((req, res) => void handle(req, res, req));
    const url = `${server.url}?topic=t`;

    const first = await openSse(url);
    gate = new Promise((resolve) => {
      open = resolve;
    });
    // Never answered (it closes before its head); the server's close ends the request.
    openSse(url).catch(() => {});
    await expect.poll(() => gatedCalls, { timeout: 20_000 }).toBe(1);
    const last = await openSse(url);
    clients = [first, last];

    // Held by the replaying stream past maxBufferedBytes: it closes, and the hook publishes.
    await created.publish('t', 'x'.repeat(200));
    await first.waitForEvents(2);
    await created.publish('t', 'end');
    await last.waitForEvents(2);
    await first.waitForEvents(3);
    open();

    const data = (events: SseConnection['events']) => events.map((e) => e.data.slice(0, 4));
    expect(data(first.events)).toEqual(['xxxx', 'left', 'end']);
    expect(data(last.events)).toEqual(['xxxx', 'left', 'end']);
  });
});
