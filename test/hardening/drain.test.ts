import { type ChildProcess, fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createHub, MemoryBroker } from '@tidings/core';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForCount } from '../helpers/progress.js';
import { type Served, serve } from './serve.js';

/**
 * Subscribers of the drain test: the 1,000 (`DRAIN_SUBSCRIBERS` overrides it). It holds
 * at load average 40 on 2 cores: the publisher's rate keeps the fan-out within a starved
 * process's share of CPU, clients back off instead of re-connecting every few seconds, and the
 * test waits for reconnects as long as they keep coming (see waitForCount).
 */
const SUBSCRIBERS = Number(process.env.DRAIN_SUBSCRIBERS ?? 1_000);
const GRACE_MS = 2_000;
/** The drain's timer step (core's drain.ts). */
const DRAIN_STEP_MS = 20;
const CLIENTS = fileURLToPath(new URL('./fixtures/drain-clients.mjs', import.meta.url));

interface ClientResult {
  received: string[];
  endedAt: number;
  reconnectedAt: number;
  retry: number;
  status: number;
  /** Connection attempts that failed (refused, reset, or no answer) and were retried. */
  retries: number;
  /** Why the client gave up reconnecting, if it did. */
  failed?: string;
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
    /** When the draining hub ended each stream, epoch ms: the drain's own decisions. */
    const decisions: number[] = [];
    const draining = await serve(
      {},
      createHub({
        ...hubOptions,
        onDisconnect: (info) => info.reason === 'server-close' && decisions.push(Date.now()),
      }),
    );
    const next = await serve({}, createHub(hubOptions));
    servers = [draining, next];

    crowd = fork(CLIENTS, { stdio: 'inherit' });
    const ready = await ask<number>(
      crowd,
      { connect: { url: `${draining.url}/?topic=feed`, count: SUBSCRIBERS } },
      'ready',
    );
    expect(ready).toBe(SUBSCRIBERS);
    await waitForCount(() => draining.hub.stats().connections.sse, SUBSCRIBERS, { what: 'streams open' });

    // Steady publishing through the other node for the whole drain, 10 events a second: with
    // every event written to every subscriber, a faster rate alone needs more CPU than a
    // process gets at load 30 (at 40/s, reconnects stalled at ~600 of 1,000 there).
    let published = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing && !next.hub.closed) {
        await next.hub.publish('feed', String(published++));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    crowd.send({ drain: { next: `${next.url}/?topic=feed` } });
    // How long this process could not run timers during the drain (a loaded machine starves it).
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const started = Date.now();
    const closed = draining.hub.close({ graceMs: GRACE_MS });
    const refused = await fetch(`${draining.url}/?topic=feed`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    await closed;
    const drainMs = Date.now() - started;
    loopDelay.disable();
    const stallMs = loopDelay.max / 1e6;
    await waitForCount(() => next.hub.stats().connections.sse, SUBSCRIBERS, { what: 'clients reconnected' });
    publishing = false;
    await publisher;

    const results = await ask<ClientResult[]>(crowd, { finish: { expected: published } }, 'results');
    const expected = Array.from({ length: published }, (_, i) => String(i));
    for (const result of results) {
      expect(result.failed).toBeUndefined();
      expect(result.status).toBe(200);
      expect(result.received).toEqual(expected); // every event, once, in order, across the move
    }

    // Every stream's response ended (the refused request's too).
    expect(draining.responseEnds.filter((time) => time >= started)).toHaveLength(SUBSCRIBERS + 1);
    // Spread measured where it is decided: when the draining hub ended each stream.
    const ends = decisions.map((time) => time - started).sort((a, b) => a - b);
    expect(ends).toHaveLength(SUBSCRIBERS);
    const reconnects = results.map((result) => result.reconnectedAt).sort((a, b) => a - b);
    const tenths = new Array(10).fill(0) as number[];
    for (const time of ends) {
      const tenth = Math.min(9, Math.floor((time / drainMs) * 10));
      tenths[tenth] = (tenths[tenth] ?? 0) + 1;
    }
    console.info(
      `drain of ${SUBSCRIBERS} over graceMs=${GRACE_MS}: took ${drainMs} ms (longest event-loop stall ${Math.round(stallMs)} ms); ` +
        `streams ended p5/p50/p95 = ${percentile(ends, 0.05)}/${percentile(ends, 0.5)}/${percentile(ends, 0.95)} ms; ` +
        `clients reconnected first/p50/last = ${reconnects[0]}/${percentile(reconnects, 0.5)}/${reconnects.at(-1)} ms; ` +
        `stream ends per tenth of the drain = ${tenths.join(',')}; ${published} events, none lost; ` +
        `${results.reduce((sum, result) => sum + result.retries, 0)} connect retries`,
    );
    expect(drainMs).toBeGreaterThanOrEqual(GRACE_MS * 0.95);
    // Spread, not a stampede. The schedule: t ms into the drain, ⌈N·t/graceMs⌉ streams ended.
    // Never ahead of it, whatever the load; behind it only by what one timer step and the
    // longest stall of this process's event loop explain (small on a quiet machine; a starved
    // process ends a stall's worth of streams at its next tick).
    const ahead = ends.filter((t, i) => i + 1 > Math.ceil((SUBSCRIBERS * t) / GRACE_MS) + 1);
    const lag = DRAIN_STEP_MS + 2 * stallMs;
    const behind = ends.filter((t, i) => i + 1 < (SUBSCRIBERS * (t - lag)) / GRACE_MS - 1);
    expect(ahead).toEqual([]);
    expect(behind).toEqual([]);
    // Each client was told its own random retry before the end.
    expect(new Set(results.map((result) => result.retry)).size).toBeGreaterThan(SUBSCRIBERS / 20);
  }, 300_000);

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
