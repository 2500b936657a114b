import { afterEach, expect, it } from 'vitest';
import { type ClientTestApp, startApp } from '../client/app.js';
import { type BufferingProxy, startBufferingProxy } from '../client/buffering-proxy.js';
import { type Recorded, range, record } from '../client/recorder.js';
import { publishFromFirstAnswer } from '../client/steady-publisher.js';

// Issue 13: behind a proxy that holds the whole response until it is complete, a fresh
// subscription never saw its stream's Tidings-Cursor, fell back to long-poll without a
// cursor ("from now") and silently lost every event published while it was finding out.

let app: ClientTestApp;
let proxy: BufferingProxy;
let rec: Recorded | undefined;

afterEach(async () => {
  rec?.sub.close();
  await proxy.close();
  await app.close();
});

it('a fresh subscription behind a buffering proxy gets every event published after its first request', async () => {
  app = await startApp({ closeAfterResponse: true, poll: { minIntervalMs: 50, maxIntervalMs: 200 } });
  proxy = await startBufferingProxy(app.port);
  // Production timing: only the upgrade probe is pushed out of the test's way.
  const started = performance.now();
  rec = record(`${proxy.url}/realtime`, { upgradeAfterMs: 600_000 });
  const sub = rec;
  const published = await publishFromFirstAnswer(
    app,
    proxy,
    () => sub.sub.state === 'polling' && sub.events.length > 0,
  );
  const fellBackMs = Math.round(performance.now() - started);
  console.info(
    `[buffering] on long-poll, with events, ${fellBackMs} ms after subscribe() (publishing every 100 ms)`,
  );
  await sub.until(() => sub.numbers().includes(published - 1), 'the last event');
  expect(sub.numbers()).toEqual(range(0, published));
  expect(new Set(sub.events.map((event) => event.id)).size).toBe(published);
  expect(sub.resets).toEqual([]);
}, 40_000);
