import type { SlowConsumerPolicy } from '@tidings/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type StalledClient, stalledClient } from '../helpers/stalled-client.js';
import { type ObservedApp, startApp } from '../observability/app.js';

/**
 * Issue 12 §4: `slowConsumerDrops` and `tidings_slow_consumer_dropped_events_total` stayed at 0
 * whatever `drop-oldest` and `latest` dropped. Every event a stream skips is counted: what the
 * client receives plus what was counted as dropped is exactly what was published.
 */
let app: ObservedApp | undefined;
let client: StalledClient | undefined;
afterEach(async () => {
  client?.socket.destroy();
  await app?.close();
  app = client = undefined;
});

const POLICIES: SlowConsumerPolicy[] = ['drop-oldest', 'latest'];

describe.each(POLICIES)('slow-consumer policy %s', (policy) => {
  it('counts every event it skips, in stats() and in the metrics', async () => {
    app = await startApp({ slowConsumer: policy, maxBufferedBytes: 64 * 1024, heartbeatMs: 60_000 });
    const { hub } = app;
    const stalled = await stalledClient(`${app.url}?topic=flood`);
    client = stalled;
    await expect.poll(() => hub.openConnections).toBe(1);
    const payload = 'x'.repeat(16 * 1024);
    let published = 0;
    // Until the kernel's buffers are full and the policy had to skip some (bounded: 64 MiB).
    while (hub.stats().slowConsumerDrops < 10 && published < 4_000) {
      await hub.publish('flood', `${published++} ${payload}`);
    }
    const drops = hub.stats().slowConsumerDrops;
    expect(drops).toBeGreaterThanOrEqual(10);
    expect((await app.scrape()).value('tidings_slow_consumer_dropped_events_total')).toBe(drops);

    stalled.resume();
    await expect
      .poll(() => stalled.events.at(-1)?.data.startsWith(`${published - 1} `), { timeout: 20_000 })
      .toBe(true);
    const received = stalled.events.filter((event) => event.event !== 'reset');
    expect(received.length + drops).toBe(published);
    expect(hub.stats().disconnects['slow-consumer']).toBe(0);
  });
});
