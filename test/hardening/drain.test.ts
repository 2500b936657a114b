import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createHub, MemoryBroker } from '@tidings/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Served, serve } from './serve.js';

/**
 * Subscribers of the drain test: the 1,000. `DRAIN_SUBSCRIBERS` lowers it for a box
 * shared with other heavy load: above a load average of ~10 on 2 cores we saw the kernel leave
 * reconnect handshakes in the accept queue for tens of seconds — reproduced with a bare
 * node:http server, without Tidings.
 */
const SUBSCRIBERS = Number(process.env.DRAIN_SUBSCRIBERS ?? 1_000);
const GRACE_MS = 2_000;
const CLIENTS = fileURLToPath(new URL('./fixtures/drain-clients.mjs', import.meta.url));

interface ClientResult {
  received: string[];
  endedAt: number;
  reconnectedAt: number;
  retry: number;
  status: number;
  /** Connection attempts that failed (refused, reset, or no answer) and were retried. */
  retries: number;
}

let servers: Served[] = [];
let crowd: ChildProcess | undefined;
afterEach(async () => {
  crowd?.kill();
  crowd = undefined;
  for (const served of servers) await served.close();
  servers = [];
});

async function ask<T>(child: ChildProcess, message: object, key: string): Promise<T> {
  const answer = new Promise<T>((resolve, reject) => {
    const onMessage = (reply: Record<string, T>) => {
      if (!(key in reply)) return;
      child.off('message', onMessage);
      resolve(reply[key] as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) =>
      reject(new Error(`client process exited (${code}) before answering ${key}`)),
    );
  });
  child.send(message);
  return answer;
}

const percentile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))] as number;

describe('graceful drain: close({ graceMs })', () => {
  it(`spreads ${SUBSCRIBERS} reconnects over the grace period and loses no event`, async () => {
    // Two nodes sharing one broker, like two instances behind a load balancer.
    const broker = new MemoryBroker({ maxEvents: 10_000, maxBytes: 16 * 1024 * 1024 });
    const hubOptions = { broker, retryMs: 100, retryJitterMs: 400 };
    const draining = await serve({}, createHub(hubOptions));
    const next = await serve({}, createHub(hubOptions));
    servers = [draining, next];

    crowd = fork(CLIENTS, { stdio: 'inherit' });
    const ready = await ask<number>(
      crowd,
      { connect: { url: `${draining.url}/?topic=feed`, count: SUBSCRIBERS } },
      'ready',
    );
    expect(ready).toBe(SUBSCRIBERS);
    await expect.poll(() => draining.hub.stats().connections.sse).toBe(SUBSCRIBERS);

    // Steady publishing through the other node for the whole drain.
    let published = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing && !next.hub.closed) {
        await next.hub.publish('feed', String(published++));
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();

    crowd.send({ drain: { next: `${next.url}/?topic=feed` } });
    const started = Date.now();
    const closed = draining.hub.close({ graceMs: GRACE_MS });
    const refused = await fetch(`${draining.url}/?topic=feed`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    await closed;
    const drainMs = Date.now() - started;
    await expect.poll(() => next.hub.stats().connections.sse, { timeout: 30_000 }).toBe(SUBSCRIBERS);
    publishing = false;
    await publisher;

    const results = await ask<ClientResult[]>(crowd, { finish: { expected: published } }, 'results');
    const expected = Array.from({ length: published }, (_, i) => String(i));
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.received).toEqual(expected); // every event, once, in order, across the move
    }

    // Spread measured where it is decided: when the draining server ended each stream.
    const ends = draining.responseEnds
      .filter((time) => time >= started)
      .map((time) => time - started)
      .sort((a, b) => a - b);
    expect(ends).toHaveLength(SUBSCRIBERS + 1); // the streams and the refused request
    const reconnects = results.map((result) => result.reconnectedAt).sort((a, b) => a - b);
    const tenths = new Array(10).fill(0) as number[];
    for (const time of ends) {
      const tenth = Math.min(9, Math.floor((time / drainMs) * 10));
      tenths[tenth] = (tenths[tenth] ?? 0) + 1;
    }
    console.info(
      `drain of ${SUBSCRIBERS} over graceMs=${GRACE_MS}: took ${drainMs} ms; server ended streams p5/p50/p95 = ` +
        `${percentile(ends, 0.05)}/${percentile(ends, 0.5)}/${percentile(ends, 0.95)} ms; clients reconnected ` +
        `first/p50/last = ${reconnects[0]}/${percentile(reconnects, 0.5)}/${reconnects.at(-1)} ms; ` +
        `stream ends per tenth of the drain = ${tenths.join(',')}; ${published} events, none lost; ` +
        `${results.reduce((sum, result) => sum + result.retries, 0)} connect retries`,
    );
    expect(drainMs).toBeGreaterThanOrEqual(GRACE_MS * 0.95);
    // Spread, not a stampede: the middle 90% of stream ends span most of the drain, and
    // no tenth of it holds more than a third of the clients (even spread: a tenth each).
    expect(percentile(ends, 0.95) - percentile(ends, 0.05)).toBeGreaterThan(drainMs * 0.6);
    expect(Math.max(...tenths)).toBeLessThan(SUBSCRIBERS / 3);
    // Each client was told its own random retry before the end.
    expect(new Set(results.map((result) => result.retry)).size).toBeGreaterThan(SUBSCRIBERS / 20);
  }, 90_000);

  it('answers a pending long-poll at once when the drain starts', async () => {
    const served = await serve();
    servers = [served];
    const waiting = fetch(`${served.url}/?topic=a&wait=25`);
    await expect.poll(() => served.hub.stats().connections.longPoll).toBe(1);
    const closed = served.hub.close({ graceMs: 60_000 });
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(served.hub.stats().disconnects['server-close']).toBe(1);
    await closed;
  });
});
