import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { type Served, serve } from './serve.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Soak duration; bounded for CI, `SOAK_MS` runs it longer (e.g. SOAK_MS=600000). */
const SOAK_MS = Number(process.env.SOAK_MS ?? 20_000);
const STEADY = 40;
const CHURNERS = 40;

let served: Served | undefined;
afterAll(async () => {
  await served?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A subscriber that keeps reconnecting with its Last-Event-ID; what it saw across all its connections. */
async function churn(url: string, until: () => boolean, seen: number[]): Promise<number> {
  let lastEventId: string | undefined;
  let connections = 0;
  while (until()) {
    const stream: SseConnection = await openSse(url, lastEventId ? { 'last-event-id': lastEventId } : {});
    connections++;
    lastEventId ??= stream.headers.get('tidings-cursor') ?? undefined;
    const from = stream.events.length;
    await sleep(20 + Math.random() * 300);
    stream.close();
    await stream.ended;
    for (const event of stream.events.slice(from)) seen.push(Number(event.data));
    lastEventId = stream.lastEventId ?? lastEventId;
  }
  return connections;
}

describe('soak', () => {
  it(
    `keeps every subscriber whole for ${SOAK_MS} ms of churn and steady publishing, with flat memory`,
    async () => {
      served = await serve({}, { retention: { maxEvents: 5_000, maxBytes: 8 * 1024 * 1024 } });
      const { hub, url } = served;
      const topicUrl = `${url}/?topic=soak`;
      const steady = await Promise.all(Array.from({ length: STEADY }, () => openSse(topicUrl)));

      const deadline = Date.now() + SOAK_MS;
      const running = () => Date.now() < deadline;
      let published = 0;
      const publisher = (async () => {
        while (running()) {
          await hub.publish('soak', String(published++));
          if (published % 5 === 0) await sleep(5);
        }
      })();
      const churned = Array.from({ length: CHURNERS }, () => [] as number[]);
      const churners = churned.map((seen) => churn(topicUrl, running, seen));

      const heap: number[] = [];
      while (running()) {
        await sleep(1_000);
        gc();
        heap.push(process.memoryUsage().heapUsed);
      }
      await publisher;
      const connections = (await Promise.all(churners)).reduce((sum, count) => sum + count, 0);

      const expected = Array.from({ length: published }, (_, i) => String(i));
      for (const stream of steady) {
        await stream.waitForEvents(published);
        expect(stream.events.map((event) => event.data)).toEqual(expected);
        stream.close();
      }
      // A churner's events, across all its reconnects, are consecutive: none lost, none twice.
      for (const seen of churned) {
        const first = seen[0] ?? 0;
        expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => first + i));
      }

      const third = Math.max(1, Math.floor(heap.length / 3));
      const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
      const early = mean(heap.slice(0, third));
      const late = mean(heap.slice(-third));
      console.info(
        `soak: ${SOAK_MS} ms, ${published} events to ${STEADY} steady subscribers, ${connections} churned connections; ` +
          `heap early/late ${(early / 2 ** 20).toFixed(1)}/${(late / 2 ** 20).toFixed(1)} MiB`,
      );
      expect(late - early).toBeLessThan(16 * 2 ** 20);
      await expect.poll(() => hub.openConnections).toBe(0);
    },
    SOAK_MS + 60_000,
  );
});
