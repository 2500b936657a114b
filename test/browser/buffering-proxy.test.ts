import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClientTestApp } from '../client/app.js';
import { type BufferingProxy, startBufferingProxy } from '../client/buffering-proxy.js';
import { range } from '../client/recorder.js';
import { publishFromFirstAnswer } from '../client/steady-publisher.js';
import { hasChromium, requireService } from '../helpers/services.js';
import { launchChromium, startPageApp, type TestWindow } from './browser.js';

const available = await requireService('Chromium', hasChromium());

declare const window: TestWindow;

/**
 * Issue 13: a fresh subscription behind a proxy that holds each response until it ends
 * gets every event published from the moment the server answered its first request —
 * over fetch streaming and over native EventSource — exactly once, in order.
 */
describe.skipIf(!available)('from the first request, through a proxy that holds streams, in Chromium', () => {
  let browser: Browser;
  let app: ClientTestApp;
  let proxy: BufferingProxy;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    app = await startPageApp({
      closeAfterResponse: true,
      retryMs: 100,
      retryJitterMs: 100,
      poll: { minIntervalMs: 200, maxIntervalMs: 200 },
    });
    proxy = await startBufferingProxy(app.port);
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(proxy.url); // the page and the bundle are complete responses: the proxy lets them through
  });
  afterEach(async () => {
    await context.close();
    await proxy.close();
    await app.close();
  });

  const start = (options: Record<string, unknown>) => page.evaluate((o) => window.start(o), options);
  const at = () =>
    page.evaluate(() => ({
      state: `${window.sub.state}/${window.sub.transport}`,
      count: window.received.length,
    }));
  async function expectExactly(count: number) {
    await page.waitForFunction((n) => window.received.length >= n, count, { timeout: 15_000 });
    const { numbers, ids } = await page.evaluate(() => ({ numbers: window.received, ids: window.ids }));
    expect(numbers).toEqual(range(0, count));
    expect(new Set(ids).size).toBe(count);
  }

  it('over fetch streaming: falls back to long-poll and loses nothing', async () => {
    const started = performance.now();
    await start({ upgradeAfterMs: 600_000 });
    const published = await publishFromFirstAnswer(app, proxy, async () => {
      const now = await at();
      return now.state === 'polling/long-poll' && now.count > 0;
    });
    console.info(
      `[buffering] Chromium fetch-SSE: on long-poll, first events after ${Math.round(performance.now() - started)} ms`,
    );
    await expectExactly(published);
  }, 45_000);

  it('over native EventSource (fetch cannot stream): falls back to long-poll and loses nothing', async () => {
    await page.evaluate(() => window.withoutFetchStreaming());
    await start({});
    const published = await publishFromFirstAnswer(app, proxy, async () => {
      const now = await at();
      return now.state === 'polling/long-poll' && now.count > 0;
    });
    await expectExactly(published);
  }, 45_000);

  it('over forced EventSource: retries the held stream, and replays everything once the proxy lets it through', async () => {
    await start({ transport: 'eventsource', stallTimeoutMs: 1_000 });
    const until = performance.now() + 2_500; // a few held attempts
    const published = await publishFromFirstAnswer(app, proxy, () => {
      if (performance.now() < until) return false;
      proxy.buffering = false;
      return true;
    });
    await page.waitForFunction(
      () => `${window.sub.state}/${window.sub.transport}` === 'open/eventsource',
      null,
      {
        timeout: 15_000,
      },
    );
    await expectExactly(published);
  }, 45_000);
});
