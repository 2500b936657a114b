/**
 * One app node of the scale scenario: node:http + Tidings on a shared broker, driven by the
 * runner over IPC. Usage (by the runner): node scale-node.mjs <redis|nats> <url> <hub name> <users>
 * A node also publishes when told to, as an app does from any node.
 */
import http from 'node:http';
import { createNatsBroker } from '@tidings/nats';
import { realtime } from '@tidings/node';
import { createRedisBroker } from '@tidings/redis';
import { nowUs, sleep } from './clock.mjs';
import { serveCommands } from './process.mjs';

const [kind, url, name, users] = process.argv.slice(2);
const retention = { maxEvents: 100, maxAgeMs: 600_000 };
const broker =
  kind === 'nats'
    ? await createNatsBroker({ servers: url, stream: name, retention, timeoutMs: 30_000 })
    : await createRedisBroker({
        redis: url,
        prefix: name,
        retention: { ...retention, maxTopics: 2 * Number(users) },
        commandTimeoutMs: 30_000,
      });
// The admission limits (10,000 connections, 5,000 long-polls per hub by default) sized for the
// run: after a kill, one node holds up to all subscribers the fd limit allows.
const rt = realtime({ broker, limits: { maxConnections: 100_000, maxLongPolls: 100_000 } });
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/realtime')) rt(req, res);
  else res.writeHead(404).end();
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 0;
server.requestTimeout = 0;

/** Publishes `data` without waiting, at most `limit` in flight; `drain()` waits for the rest. */
function publisher(limit) {
  const inFlight = new Set();
  let failed = 0;
  return {
    async publish(topic, data) {
      while (inFlight.size >= limit) await Promise.race(inFlight);
      const p = rt.publish(topic, data).then(
        () => inFlight.delete(p),
        () => {
          failed++;
          inFlight.delete(p);
        },
      );
      inFlight.add(p);
    },
    async drain() {
      await Promise.all(inFlight);
      return failed;
    },
  };
}

/** Events published so far per user, over every `perUser` call: each user's `n` goes on counting. */
let sentPerUser = [];

serveCommands({
  stats: () => ({ connections: rt.hub.stats().connections, rss: process.memoryUsage().rss }),

  /**
   * `rate`/s notifications for `seconds` to random users among `users` (`user:<u>`, payload
   * `<n> <µs>` with `n` counting per user), at most `inFlight` unacknowledged.
   * Returns the count per user of this call.
   */
  async perUser({ users: count, rate, seconds, inFlight = 256 }) {
    if (sentPerUser.length !== count) sentPerUser = new Array(count).fill(0);
    const perUser = new Array(count).fill(0);
    const out = publisher(inFlight);
    const total = Math.round(rate * seconds);
    const started = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      while (sent < due) {
        const u = Math.floor(Math.random() * count);
        perUser[u]++;
        await out.publish(`user:${u}`, `${++sentPerUser[u]} ${Math.round(nowUs())} `);
        sent++;
      }
      await sleep(Math.max(1, started + (sent * 1000) / rate - performance.now()));
    }
    const failed = await out.drain();
    return { perUser, failed, achievedRate: (total * 1000) / (performance.now() - started) };
  },

  /** One event to `broadcast`, payload `b<k> <µs>`. */
  async broadcast({ k }) {
    const sentUs = nowUs();
    await rt.publish('broadcast', `b${k} ${Math.round(sentUs)} `);
    return { sentUs };
  },
});

server.listen({ host: '127.0.0.1', port: 0, backlog: 65_535 }, () => {
  process.send({ ready: true, port: server.address().port });
});
