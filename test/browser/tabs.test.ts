import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientTestApp } from '../client/app.js';
import { range } from '../client/recorder.js';
import { hasChromium, requireService } from '../helpers/services.js';
import { launchChromium, startPageApp, type TestWindow } from './browser.js';

const available = await requireService('Chromium', hasChromium());

declare const window: TestWindow;

const TABS = 8;

describe.skipIf(!available)('one connection per browser: 8 tabs over HTTP/1.1', () => {
  let browser: Browser;
  let app: ClientTestApp;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await launchChromium();
    app = await startPageApp({ retryMs: 100, retryJitterMs: 100 });
    context = await browser.newContext();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  const count = (page: Page, n: number) =>
    page.waitForFunction((expected) => window.received.length >= expected, n, { timeout: 10_000 });
  const received = (page: Page) => page.evaluate(() => ({ numbers: window.received, ids: window.ids }));
  async function expectExactly(page: Page, total: number) {
    const { numbers, ids } = await received(page);
    expect(numbers).toEqual(range(0, total));
    expect(new Set(ids).size).toBe(total);
  }

  it('every tab receives every event through one shared connection; the next tab takes over when the leader closes', async () => {
    const pages: Page[] = [];
    for (let i = 0; i < TABS; i++) {
      const page = await context.newPage();
      await page.goto(app.origin);
      await page.evaluate(() => window.start({}));
      pages.push(page);
      if (i === 0) {
        // The first tab leads: wait for its stream and start position, so every tab has one.
        await page.waitForFunction(() => window.sub.state === 'open');
        await page.waitForFunction(() => (window.sub as unknown as { lastEventId?: string }).lastEventId);
      }
    }
    for (const page of pages) await page.waitForFunction(() => window.sub.state === 'open');
    expect(app.requests.sse).toBe(1);

    await app.publishMany('t', 0, 10);
    for (const page of pages) await count(page, 10);
    for (const page of pages) await expectExactly(page, 10);

    // The leader's tab closes while events keep coming: another tab takes the lock and
    // reconnects from its own last id.
    const [leader, ...rest] = pages;
    await leader?.close();
    await app.publishMany('t', 10, 10);
    for (const page of rest) await count(page, 20);
    await app.publishMany('t', 20, 5);
    for (const page of rest) await count(page, 25);
    for (const page of rest) await expectExactly(page, 25);
    expect(app.requests.sse).toBe(2);
  });

  it('when the leading subscription is closed (tab still open), the next tab takes over and the rest carry on', async () => {
    // The tabs of the first test: pages[0] closed, and the lock went to the next in line, the second tab.
    const pages = context.pages();
    const [leader, ...rest] = pages;
    await leader?.evaluate(() => window.sub.close());
    expect(await leader?.evaluate(() => window.sub.state)).toBe('closed');
    await app.publishMany('t', 25, 5);
    for (const page of rest) await count(page, 30);
    for (const page of rest) await expectExactly(page, 30);
    expect(app.requests.sse).toBe(3);
    for (const page of rest) expect(await page.evaluate(() => window.sub.state)).toBe('open');
  });

  it("a follower tab hears the leader's connection errors", async () => {
    const down = await startPageApp({
      routes(express) {
        express.use('/realtime', (_req, res) => {
          res.status(503).json({ error: { code: 'broker-unavailable', message: 'down for the test' } });
        });
      },
    });
    const tabs = await browser.newContext();
    try {
      const pages: Page[] = [];
      for (let i = 0; i < 2; i++) {
        const page = await tabs.newPage();
        await page.goto(down.origin);
        await page.evaluate(() => window.start({}));
        pages.push(page);
      }
      for (const page of pages) {
        await page.waitForFunction(() => window.errors.length > 0, null, { timeout: 10_000 });
        expect((await page.evaluate(() => window.errors))[0]).toMatch(/^connection: .*down for the test/);
        expect(await page.evaluate(() => window.sub.state)).toBe('connecting');
      }
    } finally {
      await tabs.close();
      await down.close();
    }
  });
});
