import type { SlowConsumerPolicy } from '@tidings/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Served, serve } from '../hardening/serve.js';
import { benchPayload, ReaderProcess } from '../helpers/reader-process.js';
import { openSse, type SseConnection } from '../helpers/sse-client.js';

/**
 * Issue 12 §3: `drop-oldest` and `latest` acted as soon as a socket's `write()` returned false
 * — i.e. past node's 16 KiB high-water mark, which one burst of events reaches — and then let
 * the backlog out 16 KiB every 25 ms, so readers that kept up lost events: 18 of 20 for 20
 * back-to-back 990-byte events under `latest`, 4,472 of 10,000 at 2,000 events/s × 1 KB under
 * `drop-oldest`. A reader that keeps up must get every event, under every policy.
 */
const POLICIES: SlowConsumerPolicy[] = ['disconnect', 'drop-oldest', 'latest'];
const READERS = 4;
const BURST = 40;
const RATE = 2_000;
const SECONDS = 2;
const BYTES = 1_024;

let served: Served | undefined;
let sse: SseConnection | undefined;
let readers: ReaderProcess;

beforeAll(async () => {
  readers = await ReaderProcess.start();
});
afterAll(() => readers.stop());
afterEach(async () => {
  sse?.close();
  sse = undefined;
  await readers.closeReaders();
  await served?.close();
  served = undefined;
});

/** `count` events on `topic` from number `first` on at `rate`/s, one per event-loop turn. */
async function paced(topic: string, first: number, count: number, rate: number): Promise<void> {
  const hub = (served as Served).hub;
  const started = performance.now();
  for (let sent = 0; sent < count; ) {
    const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
    for (; sent < due; sent++) {
      await hub.publish(topic, benchPayload(first + sent, BYTES));
      await new Promise(setImmediate);
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, started + (sent * 1000) / rate - performance.now())),
    );
  }
}

describe.each(POLICIES)('slow-consumer policy %s: a reader that keeps up gets every event', (policy) => {
  it('20 events of 990 bytes published back to back', async () => {
    served = await serve({}, { slowConsumer: policy, heartbeatMs: 60_000 });
    const { hub } = served;
    sse = await openSse(`${served.url}?topic=feed`);
    await expect.poll(() => hub.openConnections).toBe(1);
    for (let i = 0; i < 20; i++) await hub.publish('feed', `${i} ${'x'.repeat(990)}`);
    const reader = sse;
    await expect.poll(() => reader.events.length, { timeout: 10_000 }).toBe(20);
    expect(reader.events.map((event) => Number(event.data.split(' ')[0]))).toEqual([...Array(20).keys()]);
    expect(hub.stats().slowConsumerDrops).toBe(0);
  });

  it(`a ${BURST} × 1 KB burst, then ${RATE} events/s × 1 KB for ${SECONDS} s, to readers in another process`, async () => {
    served = await serve({}, { slowConsumer: policy, heartbeatMs: 60_000 });
    const { hub } = served;
    await readers.open(Number(new URL(served.url).port), READERS, 'steady');
    for (let n = 1; n <= BURST; n++) await hub.publish('steady', benchPayload(n, BYTES));
    await paced('steady', BURST + 1, RATE * SECONDS, RATE);
    const expected = BURST + RATE * SECONDS;
    const tally = await readers.expect(expected, 30_000);
    expect(tally).toMatchObject({ conns: READERS, missing: 0, late: 0, gaps: 0, resets: 0 });
    expect(tally.received).toBe(READERS * expected);
    expect(hub.stats().slowConsumerDrops).toBe(0);
    expect(hub.stats().disconnects['slow-consumer']).toBe(0);
  }, 60_000);
});
