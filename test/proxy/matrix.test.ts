import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startPageApp, type TestWindow } from '../browser/browser.js';
import type { ClientTestApp } from '../client/app.js';
import { range, record } from '../client/recorder.js';
import { hasNginx, Nginx } from '../helpers/nginx.js';
import { hasChromium, requireService } from '../helpers/services.js';
import { PROXY_CASES, type ProxyCase } from './cases.js';
import { FirstRequests } from './first-requests.js';
import { type MatrixRow, matrixTable, publishReport } from './report.js';

const available =
  (await requireService('nginx', hasNginx())) && (await requireService('Chromium', hasChromium()));

declare const window: TestWindow;

/**
 * Gaps before each publish, ms, from the moment the subscription's first request reached the
 * app: a burst (the events a buffered first stream must not lose), a pause longer than the
 * read-timeout case's `proxy_read_timeout`, then a slower run (after any fallback).
 */
const SCHEDULE = [0, ...Array(19).fill(50), 2_500, ...Array(19).fill(150)] as number[];
const COUNT = SCHEDULE.length;
/** How long the clients get, after the last publish, to deliver everything (busy CI included). */
const DELIVERY_BOUND_MS = 25_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Publishes `{ n }` on `topic` per {@link SCHEDULE}; resolves to each event's publish time. */
async function publishSchedule(app: ClientTestApp, topic: string): Promise<number[]> {
  const publishedAt: number[] = [];
  for (const [n, gap] of SCHEDULE.entries()) {
    if (gap > 0) await pause(gap);
    publishedAt.push(Date.now());
    await app.rt.publish(topic, { n });
  }
  return publishedAt;
}

/** What one client saw, read once it has every event or the delivery bound ran out. */
interface Seen {
  numbers: number[];
  ids: string[];
  /** `Date.now()` at each event's arrival. */
  times: number[];
  resets: unknown[];
  /** `Date.now()` at `subscribe()`. */
  startedAt: number;
  transport: string;
}

const rows: MatrixRow[] = [];

/** Adds the client's row to the table, then asserts the matrix's promise for it. */
function judge(proxyCase: ProxyCase, client: MatrixRow['client'], seen: Seen, publishedAt: number[]): void {
  const { numbers, times } = seen;
  rows.push({
    proxy: proxyCase.name,
    client,
    transport: seen.transport,
    firstEventMs: times[0] === undefined ? Number.NaN : times[0] - seen.startedAt,
    latenciesMs: numbers.map((n, i) => (times[i] ?? Number.NaN) - (publishedAt[n] ?? Number.NaN)),
    published: publishedAt.length,
    received: new Set(numbers).size,
  });
  expect(numbers, `${client}: every event once, in order`).toEqual(range(0, COUNT));
  expect(new Set(seen.ids).size, `${client}: distinct ids`).toBe(COUNT);
  expect(seen.resets, `${client}: no reset`).toEqual([]);
  expect(seen.transport, `${client}: transport`).toBe(proxyCase.reaches);
}

/** An undici dispatcher that trusts nginx's self-signed certificate and speaks HTTP/2 when offered. */
function tlsAgent(nginx: Nginx): Agent {
  return new Agent({ allowH2: true, connect: { ca: readFileSync(join(nginx.dir, 'cert.pem')) } });
}

/** `fetch` through `dispatcher`, for the client's `fetch` option. */
function fetchVia(dispatcher: Agent): typeof fetch {
  return ((input: string, init: object) =>
    undiciFetch(input, { ...init, dispatcher })) as unknown as typeof fetch;
}

describe.skipIf(!available)('proxy matrix: real nginx in front of the app', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium('--ignore-certificate-errors');
  });
  afterAll(async () => {
    await browser?.close();
    if (rows.length > 0) publishReport('proxy-matrix', matrixTable(rows));
  });

  describe.each(PROXY_CASES)('$name', (proxyCase: ProxyCase) => {
    it('Node and Chromium each get every event exactly once, in order, from a fresh subscription', async () => {
      const firstRequests = new FirstRequests();
      const app = await startPageApp({
        retryMs: 200,
        retryJitterMs: 200,
        poll: { minIntervalMs: 200, maxIntervalMs: 1_000 },
        ...proxyCase.app,
        routes: (express) => firstRequests.install(express),
      });
      const upstream = `127.0.0.1:${app.port}`;
      const nginx = await Nginx.start(proxyCase.ports, (ports, dir) =>
        proxyCase.config(ports, upstream, dir),
      );
      const entry = nginx.url(0, proxyCase.tls ? 'https' : 'http');
      const dispatcher = proxyCase.tls ? tlsAgent(nginx) : undefined;
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(entry);

        const viaNode = async (): Promise<void> => {
          const reached = firstRequests.of('node');
          const rec = record(`${entry}/realtime`, {
            topics: ['node'],
            ...proxyCase.client,
            ...(dispatcher ? { fetch: fetchVia(dispatcher) } : {}),
          });
          try {
            await reached;
            const publishedAt = await publishSchedule(app, 'node');
            await rec
              .until(() => rec.events.length >= COUNT, 'every event', DELIVERY_BOUND_MS)
              .catch(() => {});
            const seen: Seen = {
              numbers: rec.numbers(),
              ids: rec.events.map((event) => event.id),
              times: rec.times,
              resets: rec.resets,
              startedAt: rec.startedAt,
              transport: rec.sub.transport,
            };
            judge(proxyCase, 'Node', seen, publishedAt);
          } finally {
            rec.sub.close();
          }
        };

        const viaChromium = async (): Promise<void> => {
          const reached = firstRequests.of('browser');
          await page.evaluate((options) => window.start(options), {
            topics: ['browser'],
            ...proxyCase.client,
          });
          try {
            await reached;
            const publishedAt = await publishSchedule(app, 'browser');
            await page
              .waitForFunction((count) => window.received.length >= count, COUNT, {
                timeout: DELIVERY_BOUND_MS,
              })
              .catch(() => {});
            const seen: Seen = await page.evaluate(() => ({
              numbers: window.received,
              ids: window.ids,
              times: window.times,
              resets: window.resets,
              startedAt: window.startedAt,
              transport: window.sub.transport,
            }));
            judge(proxyCase, 'Chromium', seen, publishedAt);
          } finally {
            await page.evaluate(() => window.sub.close());
          }
        };

        // Both run to the end (each adds its row to the table) before a failure is reported.
        const results = await Promise.allSettled([viaNode(), viaChromium()]);
        for (const result of results) if (result.status === 'rejected') throw result.reason;
        if (proxyCase.check) {
          await expect
            .poll(() => proxyCase.check?.(nginx.accessLog()), {
              timeout: 10_000,
              message: 'nginx access log',
            })
            .toBe(true);
        }
      } finally {
        await context.close();
        await dispatcher?.close();
        await nginx.stop();
        await app.close();
      }
    }, 90_000);
  });
});
