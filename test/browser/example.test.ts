import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, requireService } from '../helpers/services.js';
import { launchChromium } from './browser.js';

const available = await requireService('Chromium', hasChromium());
const server = fileURLToPath(new URL('../../examples/express-notifications/src/server.js', import.meta.url));
const browserBuild = fileURLToPath(new URL('../../packages/client/dist/browser.js', import.meta.url));

/** Starts the demo on a free port; resolves to its URL once it says it is listening. */
function startDemo(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [server], { env: { ...process.env, PORT: '0' }, stdio: 'pipe' });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+?)\/?\s/.exec(output)?.[1];
      if (url) resolve({ url, child });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`the demo exited (${code}): ${output}`)));
  });
}

describe.skipIf(!available)('the Express demo page, with @tidings/client in Chromium', () => {
  let browser: Browser;
  let demo: { url: string; child: ChildProcess };

  beforeAll(async () => {
    if (!existsSync(browserBuild))
      throw new Error('packages/client/dist is missing: run `npm run build` first');
    demo = await startDemo();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    demo?.child.kill();
  });

  it('shows live state and transport and receives published notifications over SSE', async () => {
    const page = await browser.newPage();
    await page.goto(demo.url);
    await expect.poll(() => page.textContent('#state')).toBe('open');
    expect(await page.textContent('#transport')).toBe('sse');
    await page.fill('#text', 'hello from the test');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('#notifications li')).toContain('hello from the test');
  });

  it('works in forced poll mode', async () => {
    const page = await browser.newPage();
    await page.goto(`${demo.url}/?transport=poll`);
    await expect.poll(() => page.textContent('#state')).toBe('polling');
    expect(await page.textContent('#transport')).toBe('poll');
    const response = await fetch(`${demo.url}/api/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'polled' }),
    });
    expect(response.status).toBe(201);
    await expect.poll(() => page.textContent('#notifications li'), { timeout: 10_000 }).toContain('polled');
  });
});
