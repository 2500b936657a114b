import { describe, expect, it } from 'vitest';
import { startApp } from '../client/app.js';
import { range, record } from '../client/recorder.js';
import { hasNginx, Nginx } from '../helpers/nginx.js';
import { requireService } from '../helpers/services.js';
import { CACHE_CASE } from './cases.js';
import { percentile, publishReport } from './report.js';

const available = await requireService('nginx', hasNginx());

const POLLERS = 300;
const EVENTS = 12;
const PUBLISH_EVERY_MS = 400;
/** The app's `publicMaxAgeSeconds` (its default). */
const MAX_AGE_S = 1;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!available)('proxy_cache in front of polls of a public topic', () => {
  it(`${POLLERS} pollers cost the origin about one request per cursor per max-age, and each gets every event`, async () => {
    const app = await startApp({
      publicTopics: (topic) => topic.startsWith('public:'),
      publicMaxAgeSeconds: MAX_AGE_S,
      poll: { minIntervalMs: 500, maxIntervalMs: 500 },
    });
    const upstream = `127.0.0.1:${app.port}`;
    const nginx = await Nginx.start(CACHE_CASE.ports, (ports, dir) =>
      CACHE_CASE.config(ports, upstream, dir),
    );
    const pollers = Array.from({ length: POLLERS }, () =>
      record(`${nginx.url()}/realtime`, { topics: ['public:ticker'], transport: 'poll' }),
    );
    try {
      // Bounds generous for a busy 2-core CI box: 300 clients share this process with nginx and the app.
      await Promise.all(
        pollers.map((poller) => poller.until(() => poller.sub.state === 'polling', 'polling', 60_000)),
      );
      const originBefore = app.requests.poll;
      const clientBefore = nginx.accessLog().length;
      const started = Date.now();
      const publishedAt: number[] = [];
      for (let n = 0; n < EVENTS; n++) {
        if (n > 0) await pause(PUBLISH_EVERY_MS);
        publishedAt.push(Date.now());
        await app.rt.publish('public:ticker', { n });
      }
      await Promise.all(
        pollers.map((poller) => poller.until(() => poller.events.length >= EVENTS, 'every event', 60_000)),
      );
      const seconds = (Date.now() - started) / 1000;
      const origin = app.requests.poll - originBefore;
      const client = nginx.accessLog().length - clientBefore;
      for (const poller of pollers) expect(poller.numbers()).toEqual(range(0, EVENTS));

      const latencies = pollers.flatMap((poller) =>
        poller.events.map((event, i) => (poller.times[i] ?? 0) - (publishedAt[event.data.n] ?? 0)),
      );
      publishReport(
        'proxy-cache',
        [
          `| pollers | window | polls at nginx | requests at the origin | per second at the origin | delivery p50 | p99 |`,
          '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
          `| ${POLLERS} | ${seconds.toFixed(1)} s | ${client} | ${origin} | ${(origin / seconds).toFixed(1)} | ${percentile(latencies, 50)} ms | ${percentile(latencies, 99)} ms |`,
        ].join('\n'),
      );
      // One request per cursor per max-age: the topic's cursor moves with each event, so at
      // most the current and the previous cursor are refreshed per max-age, plus one miss per
      // new cursor. Without the cache every poll would reach the origin.
      const perMaxAge = Math.ceil(seconds / MAX_AGE_S);
      expect(origin).toBeLessThanOrEqual(2 * perMaxAge + EVENTS + 2);
      expect(client).toBeGreaterThan(10 * origin);
    } finally {
      for (const poller of pollers) poller.sub.close();
      await nginx.stop();
      await app.close();
    }
  }, 150_000);
});
