import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, hasChromium, requireService } from './helpers/services.js';
import { openSse, type SseConnection } from './helpers/sse-client.js';

/**
 * Examples load the built `dist/` of the packages (and the page imports the browser build of
 * @tidings/client): `npm run build` must come first (root `npm test` does).
 */
const examples = [
  { name: 'koa-notifications', pkg: 'koa' },
  { name: 'fastify-notifications', pkg: 'fastify' },
  { name: 'node-http-notifications', pkg: 'node' },
  { name: 'hono-notifications', pkg: 'fetch' },
];

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** Runs `npm start` in the example's folder on a free port; resolves to the URL it prints. */
function start(name: string, children: ChildProcess[]): Promise<string> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root(`examples/${name}`),
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so npm and node stop together
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(line)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening:\n${stderr}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGTERM');
  return exited;
}

const chromiumAvailable = await requireService('Chromium', hasChromium());
/** One headless Chromium for every example, launched on first use. */
let browser: Promise<Browser> | undefined;
const launchBrowser = () =>
  (browser ??= chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  }));
afterAll(async () => (await browser)?.close());

describe.each(examples)('example $name', ({ name, pkg }) => {
  const children: ChildProcess[] = [];
  const streams: SseConnection[] = [];
  let url: string;
  beforeAll(async () => {
    expect(existsSync(root(`packages/${pkg}/dist/index.js`)), 'run `npm run build` before this test').toBe(
      true,
    );
    url = await start(name, children);
  });
  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });
  afterAll(() => Promise.all(children.splice(0).map(stop)));

  it('starts with npm start, serves the page, and delivers a published notification to a subscriber', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    expect((await fetch(`${url}/app.js`)).status).toBe(200);
    const client = await fetch(`${url}/vendor/tidings-client.js`);
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toContain('javascript');

    const stream = await openSse(`${url}/realtime?topic=notifications`);
    streams.push(stream);
    expect(stream.status).toBe(200);

    const rejected = await fetch(`${url}/api/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 7 }),
    });
    expect(rejected.status).toBe(400);

    const published = await fetch(`${url}/api/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello from the test' }),
    });
    expect(published.status).toBe(201);
    const { id } = (await published.json()) as { id: string };

    const [event] = await stream.waitForEvents(1);
    expect(event).toMatchObject({ id, event: 'notification' });
    expect(JSON.parse(event!.data)).toMatchObject({ text: 'hello from the test' });

    const stats = (await (await fetch(`${url}/api/stats`)).json()) as { connections: { sse: number } };
    expect(stats.connections.sse).toBe(1);
  });

  it.skipIf(!chromiumAvailable)(
    'its page subscribes over SSE in Chromium and shows what its form publishes',
    async () => {
      const page = await (await launchBrowser()).newPage();
      try {
        await page.goto(`${url}/`);
        await expect.poll(() => page.textContent('#state')).toBe('open');
        expect(await page.textContent('#transport')).toBe('sse');
        await page.fill('#text', `hello from ${name}`);
        await page.click('button[type=submit]');
        await expect.poll(() => page.textContent('#notifications li')).toContain(`hello from ${name}`);
      } finally {
        await page.close();
      }
    },
  );
});
