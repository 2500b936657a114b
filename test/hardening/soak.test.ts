import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createParser } from 'eventsource-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { openSse } from '../helpers/sse-client.js';
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

/**
 * A steady subscriber that checks order as events arrive and keeps only counters, so a long
 * soak measures the server's memory, not the test's.
 */
async function steadySubscriber(url: string) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
  const state = { next: 0, violations: 0 };
  const parser = createParser({
    onEvent(event) {
      if (Number(event.data) !== state.next) state.violations++;
      state.next = Number(event.data) + 1;
    },
  });
  const decoder = new TextDecoder();
  void (async () => {
    try {
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        parser.feed(decoder.decode(chunk.value, { stream: true }));
      }
    } catch {
      // aborted at the end of the test
    }
  })();
  return { state, close: () => controller.abort() };
}

describe('soak', () => {
  it(
    `keeps every subscriber whole for ${SOAK_MS} ms of churn and steady publishing, with flat memory`,
    async () => {
      served = await serve({}, { retention: { maxEvents: 1_000, maxBytes: 1024 * 1024 } });
      const { hub, url } = served;
      const topicUrl = `${url}/?topic=soak`;
      const steady = await Promise.all(Array.from({ length: STEADY }, () => steadySubscriber(topicUrl)));

      const deadline = Date.now() + SOAK_MS;
      const running = () => Date.now() < deadline;
      let published = 0;
      const publisher = (async () => {
        while (running()) {
          await hub.publish('soak', String(published++));
          if (published % 5 === 0) await sleep(5);
        }
      })();
      let gaps = 0;
      const churners = Array.from({ length: CHURNERS }, async () => {
        // Each connection's events must continue exactly where the previous one stopped.
        let connections = 0;
        let last: number | undefined;
        let lastEventId: string | undefined;
        while (running()) {
          const stream = await openSse(topicUrl, lastEventId ? { 'last-event-id': lastEventId } : {});
          connections++;
          lastEventId ??= stream.headers.get('tidings-cursor') ?? undefined;
          await sleep(20 + Math.random() * 300);
          stream.close();
          await stream.ended;
          for (const event of stream.events) {
            const number = Number(event.data);
            if (last !== undefined && number !== last + 1) gaps++;
            last = number;
          }
          lastEventId = stream.lastEventId ?? lastEventId;
        }
        return connections;
      });

      const heap: number[] = [];
      while (running()) {
        await sleep(1_000);
        gc();
        heap.push(process.memoryUsage().heapUsed);
      }
      await publisher;
      const connections = (await Promise.all(churners)).reduce((sum, count) => sum + count, 0);

      // Every steady subscriber got 0, 1, 2, … published - 1: all, once each, in order.
      await expect
        .poll(() => steady.filter(({ state }) => state.next === published).length, { timeout: 10_000 })
        .toBe(STEADY);
      for (const { state, close } of steady) {
        expect(state.violations).toBe(0);
        close();
      }
      // A churner's events, across all its reconnects, are consecutive: none lost, none twice.
      expect(gaps).toBe(0);

      const third = Math.max(1, Math.floor(heap.length / 3));
      const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
      const early = mean(heap.slice(0, third));
      const late = mean(heap.slice(-third));
      console.info(
        `soak: ${SOAK_MS} ms, ${published} events to ${STEADY} steady subscribers, ${connections} churned connections; ` +
          `heap early/late ${(early / 2 ** 20).toFixed(1)}/${(late / 2 ** 20).toFixed(1)} MiB`,
      );
      expect(late - early).toBeLessThan(8 * 2 ** 20);
      await expect.poll(() => hub.openConnections).toBe(0);
    },
    SOAK_MS + 60_000,
  );
});
