import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Broker, MemoryBroker, mintToken, tokenAuth } from '@tidings/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type Served, serve } from './serve.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Connect/disconnect cycles; `LEAK_CYCLES` overrides the 10,000. */
const CYCLES = Number(process.env.LEAK_CYCLES ?? 10_000);
const CONCURRENCY = 50;

type Ending = 'clean' | 'before-response' | 'mid-replay' | 'reset-mid-replay' | 'long-poll-abort' | 'poll';
const ENDINGS: Ending[] = [
  'clean',
  'before-response',
  'mid-replay',
  'reset-mid-replay',
  'long-poll-abort',
  'poll',
];

let served: Served | undefined;
afterAll(async () => {
  await served?.close();
});

/** One raw HTTP exchange on its own socket, ended the way `ending` says. */
function cycle(port: number, ending: Ending, oldId: string, token: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const sse = ending !== 'poll' && ending !== 'long-poll-abort';
    const resume = ending.includes('replay') ? `Last-Event-ID: ${oldId}\r\n` : '';
    const wait = ending === 'long-poll-abort' ? '&wait=30' : '';
    socket.write(
      `GET /?topic=leak&topic=leak-${Math.floor(Math.random() * 20)}${wait}&token=${token} HTTP/1.1\r\nHost: x\r\n` +
        `${sse ? 'Accept: text/event-stream\r\n' : ''}${resume}Connection: close\r\n\r\n`,
    );
    socket.once('close', () => resolve());
    socket.once('error', () => {});
    if (ending === 'before-response') return void socket.destroy();
    if (ending === 'long-poll-abort') return void setTimeout(() => socket.destroy(), 5);
    socket.once('data', () => {
      if (ending === 'reset-mid-replay') socket.resetAndDestroy();
      else if (ending !== 'poll') socket.destroy();
    });
  });
}

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
const listenersOf = (broker: Broker) =>
  (broker as unknown as { listeners: Map<string, Set<unknown>> }).listeners;

async function run(port: number, count: number, oldId: string, token: string) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await cycle(port, ENDINGS[i % ENDINGS.length] as Ending, oldId, token);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

describe('leaks', () => {
  it(`leaves nothing behind after ${CYCLES} connect/disconnect cycles, abrupt ones included`, async () => {
    const broker = new MemoryBroker({ maxEvents: 1_000, maxBytes: 8 * 1024 * 1024 });
    // Tokens (each live stream joins the expiry schedule) exercise every per-hub schedule a
    // connection can enter; drop-oldest streams that fall behind wait on their own socket's drain.
    const secret = 'a-test-secret-of-at-least-32-bytes!!';
    const token = await mintToken({ secret }, { topics: ['leak', 'leak-*'], expiresInSeconds: 600 });
    served = await serve(
      { auth: tokenAuth({ secret }) },
      { broker, heartbeatMs: 1_000, slowConsumer: 'drop-oldest' },
    );
    const { hub } = served;
    const port = Number(new URL(served.url).port);
    const oldId = await hub.publish('leak', 'first');
    // Enough history that a resume replays for a while (~100 KB), so destroys land mid-replay.
    for (let i = 0; i < 200; i++) await hub.publish('leak', 'x'.repeat(500));
    let peakExpiring = 0;
    const publisher = setInterval(() => {
      void hub.publish('leak', 'live').catch(() => {});
      peakExpiring = Math.max(peakExpiring, hub.expiry.size);
    }, 5);

    const timersBefore = timers();
    await run(port, Math.min(500, CYCLES), oldId, token); // warm-up: JIT, pools, lazily created state
    await expect.poll(() => hub.openConnections, { timeout: 10_000 }).toBe(0);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;

    const started = Date.now();
    await run(port, CYCLES, oldId, token);
    const elapsed = Date.now() - started;
    clearInterval(publisher);

    await expect.poll(() => hub.openConnections, { timeout: 10_000 }).toBe(0);
    await expect.poll(() => hub.stats().topics).toBe(0);
    expect(listenersOf(broker).size).toBe(0);
    expect(hub.limiter.snapshot()).toMatchObject({ open: 0, longPolls: 0 });
    expect(peakExpiring).toBeGreaterThan(0); // live streams did join the expiry schedule
    expect(hub.expiry.size).toBe(0);
    const { server } = served;
    const sockets = () =>
      new Promise<number>((resolve) => server.getConnections((_, count) => resolve(count)));
    await expect.poll(sockets).toBe(0);
    // The heartbeat timer stops with its last stream; what is left is the timers from before.
    await expect.poll(() => timers()).toBeLessThanOrEqual(timersBefore);

    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    const growth = heapAfter - heapBefore;
    const stats = hub.stats();
    console.info(
      `leak: ${CYCLES} cycles in ${elapsed} ms; heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapAfter / 2 ** 20).toFixed(1)} MiB; ` +
        `peak streams awaiting expiry ${peakExpiring}; disconnects ${JSON.stringify(stats.disconnects)}`,
    );
    expect(growth).toBeLessThan(8 * 2 ** 20);
  }, 120_000);
});
