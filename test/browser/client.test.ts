import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClientTestApp } from '../client/app.js';
import { range } from '../client/recorder.js';
import { hasChromium, requireService } from '../helpers/services.js';
import { launchChromium, startPageApp, type TestWindow } from './browser.js';

const available = await requireService('Chromium', hasChromium());

declare const window: TestWindow;

describe.skipIf(!available)('@tidings/client in headless Chromium', () => {
  let browser: Browser;
  let app: ClientTestApp;
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
      poll: { minIntervalMs: 200, maxIntervalMs: 200 },
      retryMs: 100,
      retryJitterMs: 100,
    });
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(app.origin);
  });
  afterEach(async () => {
    await context.close();
    await app.close();
  });

  const start = (options: Record<string, unknown>) => page.evaluate((o) => window.start(o), options);
  const waitForState = (state: string) =>
    page.waitForFunction((s) => `${window.sub.state}/${window.sub.transport}` === s, state, {
      timeout: 10_000,
    });
  const waitForCount = (count: number) =>
    page.waitForFunction((n) => window.received.length >= n, count, { timeout: 10_000 });
  /** Waits until the subscription has a position, so events published next are after it. */
  const waitForPosition = () =>
    page.waitForFunction(() => (window.sub as unknown as { lastEventId?: string }).lastEventId !== undefined);
  const received = () => page.evaluate(() => ({ numbers: window.received, ids: window.ids }));

  async function expectExactly(count: number) {
    const { numbers, ids } = await received();
    expect(numbers).toEqual(range(0, count));
    expect(new Set(ids).size).toBe(count);
  }

  it('receives events over SSE (fetch streaming) by default', async () => {
    await start({});
    await waitForState('open/sse');
    await waitForPosition();
    await app.publishMany('t', 0, 10);
    await waitForCount(10);
    await expectExactly(10);
  });

  it('receives events in forced poll mode', async () => {
    await start({ transport: 'poll' });
    await waitForState('polling/poll');
    await app.publishMany('t', 0, 10);
    await waitForCount(10);
    await expectExactly(10);
    expect(app.requests.sse).toBe(0);
  });

  it('receives events through native EventSource when forced', async () => {
    await start({ transport: 'eventsource' });
    await waitForState('open/eventsource');
    await app.publishMany('t', 0, 5);
    await waitForCount(5);
    await expectExactly(5);
  });

  it("rethrows a callback's exception asynchronously when there is no onError, like an EventTarget listener's", async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.evaluate(() => {
      const tidings = (
        globalThis as unknown as { Tidings: { subscribe: (url: string, o: object) => unknown } }
      ).Tidings;
      window.sub = tidings.subscribe('/realtime', {
        topics: ['t'],
        onEvent: (event: { data: { n: number } }) => {
          window.received.push(event.data.n);
          throw new Error(`app bug ${event.data.n}`);
        },
      }) as TestWindow['sub'];
    });
    await waitForState('open/sse');
    await waitForPosition();
    await app.publishMany('t', 0, 3);
    await waitForCount(3);
    await expect.poll(() => pageErrors.length).toBe(3);
    expect(pageErrors).toEqual(['app bug 0', 'app bug 1', 'app bug 2']);
    expect(app.requests.sse).toBe(1); // the stream stayed
  });

  it.each([
    ['sse', 'open/sse'],
    ['eventsource', 'open/eventsource'],
    ['long-poll', 'polling/long-poll'],
    ['poll', 'polling/poll'],
  ])(
    'tells the topic of every event over %s, with the same ids on every transport',
    async (transport, state) => {
      await start({ transport, topics: ['t', 'u'] });
      await waitForState(state);
      await waitForPosition();
      const ids = [...(await app.publishMany('t', 0, 2)), ...(await app.publishMany('u', 2, 2))];
      await waitForCount(4);
      const seen = await page.evaluate(() => ({ topics: window.topics, ids: window.ids }));
      expect(seen).toEqual({ topics: ['t', 't', 'u', 'u'], ids });
    },
  );

  it('pauses while offline and resumes without loss when back online', async () => {
    await start({});
    await waitForState('open/sse');
    await waitForPosition();
    await app.publishMany('t', 0, 5);
    await waitForCount(5);

    await context.setOffline(true);
    await waitForState('offline/sse');
    const requestsWhileOffline = app.requests.sse;
    await app.publishMany('t', 5, 5);
    await page.waitForTimeout(500); // the only way to show that nothing happens: wait a little
    expect(app.requests.sse).toBe(requestsWhileOffline);

    await context.setOffline(false);
    await waitForState('open/sse');
    await waitForCount(10);
    await app.publishMany('t', 10, 5);
    await waitForCount(15);
    await expectExactly(15);
  });

  it('polls slower in a hidden tab and at once when it is visible again', async () => {
    await start({ transport: 'poll', hiddenFactor: 5 });
    await waitForState('polling/poll');
    const counted = async (ms: number) => {
      const before = app.requests.poll;
      await page.waitForTimeout(ms); // measuring a rate needs wall-clock time
      return app.requests.poll - before;
    };
    const visible = await counted(2_000);
    await page.evaluate(() => window.setHidden(true));
    await counted(1_000); // let the poll scheduled while visible go out
    const hidden = await counted(2_000);
    expect(visible).toBeGreaterThanOrEqual(5);
    expect(hidden).toBeLessThanOrEqual(visible / 2);

    const before = app.requests.poll;
    await page.evaluate(() => window.setHidden(false));
    await expect.poll(() => app.requests.poll, { timeout: 500 }).toBeGreaterThan(before);
  });

  it("stops polling in a hidden tab with whenHidden: 'pause', and polls at once when visible", async () => {
    await start({ transport: 'poll', whenHidden: 'pause' });
    await waitForState('polling/poll');
    await page.evaluate(() => window.setHidden(true));
    await waitForState('offline/poll');
    const before = app.requests.poll;
    await app.publishMany('t', 0, 3);
    await page.waitForTimeout(1_000); // showing that nothing is sent needs a little wall-clock time
    expect(app.requests.poll).toBe(before);

    await page.evaluate(() => window.setHidden(false));
    await waitForCount(3);
    await expectExactly(3);
  });
});
