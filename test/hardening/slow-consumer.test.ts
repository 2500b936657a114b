import type { Socket } from 'node:net';
import type { HubOptions } from '@tidings/core';
import type { EventSourceMessage } from 'eventsource-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { stalledClient as openStalled } from '../helpers/stalled-client.js';
import { type Served, serve } from './serve.js';

const EVENTS = 10_000;
const MAX_BUFFERED = 256 * 1024;
const PAYLOAD = 'x'.repeat(1_000);

let served: Served | undefined;
let socket: Socket | undefined;
afterEach(async () => {
  socket?.destroy();
  await served?.close();
  served = undefined;
});

/** A client that reads nothing until `resume()`; its socket is destroyed after the test. */
async function stalledClient(url: string, topics: string[]) {
  const client = await openStalled(`${url}/?${topics.map((topic) => `topic=${topic}`).join('&')}`);
  socket = client.socket;
  return client;
}

async function start(slowConsumer: HubOptions['slowConsumer']) {
  served = await serve({}, { slowConsumer, maxBufferedBytes: MAX_BUFFERED, heartbeatMs: 60_000 });
  return served;
}

/** Publishes EVENTS events while the client reads nothing, checking the held-back bytes stay bounded. */
async function flood(hub: Served['hub'], topics: string[]) {
  let maxBuffered = 0;
  for (let i = 0; i < EVENTS; i++) {
    await hub.publish(topics[i % topics.length] as string, `${i} ${PAYLOAD}`);
    if (i % 500 === 0) {
      const [connection] = hub.listConnections();
      maxBuffered = Math.max(maxBuffered, connection?.bufferedBytes ?? 0);
    }
  }
  return maxBuffered;
}

const numberOf = (event: EventSourceMessage) => Number(event.data.split(' ')[0]);

describe('slow consumers: a client stops reading while 10,000 events are published', () => {
  it('disconnect (default): closes the stream as slow-consumer', async () => {
    const { hub, url } = await start(undefined);
    const client = await stalledClient(url, ['a']);
    await expect.poll(() => hub.openConnections).toBe(1);
    await flood(hub, ['a']);
    expect(hub.stats().disconnects['slow-consumer']).toBe(1);
    expect(hub.openConnections).toBe(0);
    client.resume();
    await expect.poll(() => client.ended).toBe(true);
  });

  it('drop-oldest: keeps the stream, bounds memory, then sends a reset and the newest events in order', async () => {
    const { hub, url } = await start('drop-oldest');
    const client = await stalledClient(url, ['a']);
    await expect.poll(() => hub.openConnections).toBe(1);
    const socketBytes = await flood(hub, ['a']);
    expect(hub.openConnections).toBe(1);
    expect(hub.stats().disconnects['slow-consumer']).toBe(0);
    // The socket's own queue stays near its high-water mark; the rest is the bounded backlog.
    expect(socketBytes).toBeLessThan(MAX_BUFFERED);

    client.resume();
    await expect
      .poll(() => client.events.at(-1)?.data.startsWith(`${EVENTS - 1} `), { timeout: 10_000 })
      .toBe(true);
    const resetAt = client.events.findIndex((event) => event.event === 'reset');
    expect(resetAt).toBeGreaterThan(0);
    const reset = client.events[resetAt] as EventSourceMessage;
    const before = client.events.slice(0, resetAt).map(numberOf);
    const after = client.events.slice(resetAt + 1).map(numberOf);
    // Before the gap: the first events, in order; after it: a contiguous run up to the newest.
    expect(before).toEqual(Array.from({ length: before.length }, (_, i) => i));
    expect(after).toEqual(Array.from({ length: after.length }, (_, i) => EVENTS - after.length + i));
    expect(after.length * (PAYLOAD.length + 30)).toBeLessThan(MAX_BUFFERED * 1.1);
    expect(JSON.parse(reset.data)).toEqual({ reason: 'dropped', cursor: reset.id });
    // The reset's id is the newest dropped event, so Last-Event-ID stays exact across the gap.
    // (An event's id: field carries its topic after a space; a reset's has none.)
    const seqOf = (event: EventSourceMessage | undefined) => Number(event?.id?.split(' ')[0]?.split('-')[1]);
    expect(seqOf(reset)).toBe(seqOf(client.events[resetAt + 1]) - 1);
    console.info(
      `drop-oldest: ${before.length} events before the reset, ${after.length} after, of ${EVENTS}`,
    );
  });

  it('latest: keeps only the newest event per topic while stalled, then catches up in order', async () => {
    const topics = ['t0', 't1', 't2', 't3'];
    const { hub, url } = await start('latest');
    const client = await stalledClient(url, topics);
    await expect.poll(() => hub.openConnections).toBe(1);
    await flood(hub, topics);
    expect(hub.openConnections).toBe(1);

    client.resume();
    await expect
      .poll(() => client.events.at(-1)?.data.startsWith(`${EVENTS - 1} `), { timeout: 10_000 })
      .toBe(true);
    const numbers = client.events.map(numberOf);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b)); // in order, no duplicate
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(client.events.some((event) => event.event === 'reset')).toBe(false);
    // The newest event of every topic arrived, and far fewer than all of them.
    expect(numbers.slice(-topics.length)).toEqual([EVENTS - 4, EVENTS - 3, EVENTS - 2, EVENTS - 1]);
    expect(numbers.length).toBeLessThan(EVENTS / 2);
    console.info(`latest: ${numbers.length} of ${EVENTS} events delivered`);
  });

  it('uses the strictest policy among a stream’s topics when the option is per topic', async () => {
    const { hub, url } = await start((topic) => (topic.startsWith('ticker') ? 'latest' : 'disconnect'));
    await stalledClient(url, ['ticker:x', 'orders']);
    await expect.poll(() => hub.openConnections).toBe(1);
    await flood(hub, ['ticker:x']);
    expect(hub.stats().disconnects['slow-consumer']).toBe(1);
  });
});
