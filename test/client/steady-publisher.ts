import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientTestApp } from './app.js';
import type { BufferingProxy } from './buffering-proxy.js';

/**
 * Publishes numbered events `{ n }` on `topic`, one every `gapMs`, from the moment the server
 * answered the client's first request (so every one of them is owed to the client) until
 * `done()` holds, then `tail` more. Resolves to how many it published. The gap paces the
 * publisher (events keep coming while the client finds its way); it synchronizes nothing.
 */
export async function publishFromFirstAnswer(
  app: ClientTestApp,
  proxy: BufferingProxy,
  done: () => boolean | Promise<boolean>,
  { topic = 't', gapMs = 100, tail = 5, timeoutMs = 30_000 } = {},
): Promise<number> {
  await proxy.firstAnswer;
  const deadline = performance.now() + timeoutMs;
  let n = 0;
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`publishFromFirstAnswer: not done after ${n} events`);
    await app.publishMany(topic, n++, 1);
    await sleep(gapMs);
  }
  await app.publishMany(topic, n, tail);
  return n + tail;
}
