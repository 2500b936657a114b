/**
 * One contender's server process, driven by the runner over IPC. It publishes in-process
 * (as an app does) with the publish time in each payload, and reports heap after a full GC.
 * Usage (by the runner): node --expose-gc server.mjs <contender>[:<slowConsumer policy>]
 */

import { nowUs, payload, sleep } from './clock.mjs';
import { serveCommands } from './process.mjs';

const [name, slowConsumer] = process.argv[2].split(':');
const { start } = await import(`./contenders/${name}.mjs`);
const app = await start(slowConsumer ? { slowConsumer } : {});
app.server.keepAliveTimeout = 60_000;
app.server.headersTimeout = 0;
app.server.requestTimeout = 0;

const commands = {
  async stats() {
    for (let i = 0; i < 3; i++) globalThis.gc?.();
    await sleep(50);
    const { heapUsed, rss } = process.memoryUsage();
    return { heapUsed, rss };
  },
  head: () => app.head(),
  waiting: () => app.waiting(),

  /**
   * `count` events at `rate`/s on `topic`, or on `user:<random below users>` when `users` is set;
   * events of one topic are numbered from `first`.
   */
  async paced({ topic, users, rate, count, bytes, first = 1 }) {
    const perTopic = users ? new Array(users).fill(first - 1) : [first - 1];
    const period = 1000 / rate;
    const started = performance.now();
    const firstUs = nowUs();
    let sent = 0;
    while (sent < count) {
      const due = Math.min(count, Math.floor((performance.now() - started) / period) + 1);
      while (sent < due) {
        const index = users ? Math.floor(Math.random() * users) : 0;
        const n = ++perTopic[index];
        await app.publish(users ? `user:${index}` : topic, payload(n, bytes));
        sent++;
      }
      const next = started + sent * period;
      await sleep(Math.max(0, next - performance.now()));
    }
    return { perTopic, firstUs, lastUs: nowUs() };
  },

  /** `count` events on `topic` as fast as the process accepts them: one per event-loop turn. */
  async burst({ topic, count, bytes }) {
    const firstUs = nowUs();
    for (let n = 1; n <= count; n++) {
      await app.publish(topic, payload(n, bytes));
      await new Promise(setImmediate);
    }
    return { firstUs, lastUs: nowUs() };
  },

  /** `count` events on `topic` back to back (history for the resume storm). */
  async fill({ topic, count, bytes }) {
    const firstUs = nowUs();
    for (let n = 1; n <= count; n++) await app.publish(topic, payload(n, bytes));
    return { firstUs };
  },
};

serveCommands(commands);

app.server.listen({ host: '127.0.0.1', port: 0, backlog: 16_384 }, () => {
  process.send({ ready: true, port: app.server.address().port });
});
