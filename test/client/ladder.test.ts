import { afterEach, describe, expect, it } from 'vitest';
import { type ClientTestApp, startApp } from './app.js';
import { type BufferingProxy, startBufferingProxy } from './buffering-proxy.js';
import { type Recorded, range, record } from './recorder.js';

let app: ClientTestApp;
let proxy: BufferingProxy;
let rec: Recorded | undefined;

async function start(buffering: boolean) {
  app = await startApp({
    closeAfterResponse: true,
    retryMs: 100,
    retryJitterMs: 100,
    poll: { minIntervalMs: 50, maxIntervalMs: 200 },
  });
  proxy = await startBufferingProxy(app.port);
  proxy.buffering = buffering;
}

/** Stall bound and first upgrade probe of these tests, ms (production defaults: 35 s and 30 s). */
const STALL_MS = 1_000;
const UPGRADE_MS = 300;

function subscribeThroughProxy() {
  rec = record(`${proxy.url}/realtime`, { stallTimeoutMs: STALL_MS, upgradeAfterMs: UPGRADE_MS });
  return rec;
}

/** Every event exactly once, in order: no loss, no duplicate. */
function expectExactly(recorded: Recorded, count: number) {
  expect(recorded.numbers()).toEqual(range(0, count));
  expect(new Set(recorded.events.map((event) => event.id)).size).toBe(count);
}

afterEach(async () => {
  rec?.sub.close();
  rec = undefined;
  await proxy.close();
  await app.close();
});

describe('auto transport ladder behind a real TCP proxy', () => {
  it('falls back to long-poll when the proxy buffers the stream, and upgrades back to SSE when it stops', async () => {
    await start(true);
    const started = performance.now();
    const sub = subscribeThroughProxy();
    await sub.untilState('polling', 'long-poll');
    const fallbackMs = Math.round(performance.now() - started);
    console.info(`[ladder] fell back to long-poll after ${fallbackMs} ms (stall bound ${STALL_MS} ms)`);
    expect(fallbackMs).toBeGreaterThanOrEqual(STALL_MS);
    expect(app.requests.sse).toBeGreaterThanOrEqual(1);

    await app.publishMany('t', 0, 5);
    await sub.untilEvents(5);

    proxy.buffering = false;
    await sub.untilState('open', 'sse');
    await app.publishMany('t', 5, 5);
    await sub.untilEvents(10);
    expectExactly(sub, 10);
  });

  it('falls to interval polling when long-polls are cut, and still delivers everything', async () => {
    await start(true);
    proxy.cutLongPolls = true;
    const sub = subscribeThroughProxy();
    await sub.untilState('polling', 'long-poll');
    await app.publishMany('t', 0, 3);
    await sub.untilEvents(3);
    await sub.untilState('polling', 'poll');
    await app.publishMany('t', 3, 3);
    await sub.untilEvents(6);
    expectExactly(sub, 6);
  });

  it('loses and repeats nothing across a server-side disconnect and transport switches', async () => {
    await start(false);
    const sub = subscribeThroughProxy();
    await sub.untilState('open', 'sse');
    await sub.until(() => sub.sub.lastEventId !== undefined, 'a start position');
    await app.publishMany('t', 0, 5);
    await sub.untilEvents(5);

    // The server drops every connection; events keep coming while the client is away, and
    // its reconnect now meets a buffering proxy: SSE stalls, long-poll takes over.
    proxy.buffering = true;
    app.dropConnections();
    await app.publishMany('t', 5, 5);
    await sub.untilState('polling', 'long-poll');
    await app.publishMany('t', 10, 5);
    await sub.untilEvents(15);

    proxy.buffering = false;
    await sub.untilState('open', 'sse');
    await app.publishMany('t', 15, 5);
    await sub.untilEvents(20);
    expectExactly(sub, 20);
  });
});
