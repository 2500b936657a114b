import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, hasChromium, requireService } from '../helpers/services.js';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { redisAvailable } from './redis-fixture.js';

const ok = await redisAvailable();
const withBrowser = ok && (await requireService('Chromium', hasChromium()));
const start = fileURLToPath(new URL('../../examples/multi-node/src/start.js', import.meta.url));

/**
 * examples/multi-node: three nodes behind a round-robin proxy; reconnects land elsewhere.
 * Uses the built packages (`npm run build` first; root `npm test` does).
 */
describe.skipIf(!ok)('examples/multi-node', () => {
  let demo: ChildProcess;
  let url: string;
  beforeAll(async () => {
    demo = spawn(process.execPath, [start], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: demo.stdout! }), 'line')) as [string];
    url = /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
  });
  afterAll(async () => {
    if (demo && demo.exitCode === null) {
      const exited = once(demo, 'exit');
      demo.kill('SIGTERM');
      await exited;
    }
  });

  /** Opens a stream through the proxy, retrying the 502s while the nodes start. */
  async function connect(headers: Record<string, string> = {}): Promise<SseConnection> {
    for (;;) {
      const stream = await openSse(`${url}/realtime?topic=demo`, headers);
      if (stream.status === 200) return stream;
      stream.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('serves consecutive connections from different nodes while the ticker publishes', async () => {
    const first = await connect();
    const [event] = await first.waitForEvents(1); // the ticker publishes every second
    const served = new Set([first.headers.get('x-tidings-node')]);
    const resumed: SseConnection[] = [];
    for (let i = 0; i < 3; i++) {
      const stream = await connect({ 'last-event-id': event!.id! });
      served.add(stream.headers.get('x-tidings-node'));
      resumed.push(stream);
    }
    // Round robin over three nodes: four connections cannot all land on one node.
    expect(served.size).toBeGreaterThan(1);
    first.close();
    for (const stream of resumed) {
      const [next] = await stream.waitForEvents(1);
      expect(Number(next!.id!.split('-')[1])).toBeGreaterThan(Number(event!.id!.split('-')[1]));
      expect(JSON.parse(next!.data)).toMatchObject({ text: 'tick' });
      stream.close();
    }
  });

  it.skipIf(!withBrowser)(
    'shows the serving node; after killing it the page resumes elsewhere, no event lost',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      try {
        const page = await browser.newPage();
        await page.goto(`${url}/`);
        await page.waitForFunction(() => document.querySelectorAll('#events li').length >= 2, null, {
          timeout: 15_000,
        });
        const firstNode = (await page.textContent('#connections li:last-child'))!.match(/node-\d/)![0];
        await page.click('#kill');
        // The page reconnects (1 s) through the proxy to a live node, resuming by Last-Event-ID.
        await page.waitForFunction(
          () =>
            [...document.querySelectorAll('#connections li')].some((li) =>
              li.textContent?.includes('resumed'),
            ),
          null,
          { timeout: 15_000 },
        );
        const count = await page.locator('#events li').count();
        await page.waitForFunction((n) => document.querySelectorAll('#events li').length >= n + 2, count, {
          timeout: 15_000,
        });
        const connections = await page.locator('#connections li').allTextContents();
        const resumedOn = connections[0]!.match(/node-\d/)![0];
        expect(resumedOn).not.toBe(firstNode);
        // Newest first: the ids, oldest first, must be consecutive — nothing lost, nothing twice.
        const seqs = (await page.locator('#events li').allTextContents())
          .map((text) => Number(/^\S+-(\d+) /.exec(text)![1]))
          .reverse();
        expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
