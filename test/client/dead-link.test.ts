import { afterEach, expect, it } from 'vitest';
import { type ClientTestApp, startApp } from './app.js';
import { type BufferingProxy, startBufferingProxy } from './buffering-proxy.js';
import { type Recorded, range, record } from './recorder.js';

let app: ClientTestApp;
let proxy: BufferingProxy;
let rec: Recorded | undefined;

afterEach(async () => {
  rec?.sub.close();
  await proxy.close();
  await app.close();
});

it("reopens a stream that went silent, with a bound derived from the server's announced heartbeat", async () => {
  // The server's 1 s heartbeat (announced in Tidings-Heartbeat-Ms) makes the bound
  // 2 × 1 s + 5 s = 7 s, instead of the 35 s the client assumes by default.
  app = await startApp({ heartbeatMs: 1_000, retryMs: 100, retryJitterMs: 100 });
  proxy = await startBufferingProxy(app.port);
  proxy.buffering = false;
  rec = record(`${proxy.url}/realtime`, { upgradeAfterMs: 60_000 });
  await rec.untilState('open', 'sse');
  await rec.until(() => rec?.sub.lastEventId !== undefined, 'a start position');
  await app.publishMany('t', 0, 3);
  await rec.untilEvents(3);

  proxy.freeze(); // the link dies silently: no FIN, no RST, no bytes
  const frozenAt = performance.now();
  await app.publishMany('t', 3, 3);
  await rec.until(() => rec?.sub.state === 'connecting', 'the stall to be noticed', 12_000);
  const noticedMs = performance.now() - frozenAt;
  await rec.untilState('open', 'sse');
  await rec.untilEvents(6);
  expect(noticedMs).toBeLessThan(9_000);
  expect(rec.numbers()).toEqual(range(0, 6));
  expect(new Set(rec.events.map((event) => event.id)).size).toBe(6);
}, 20_000);
