/**
 * One contender's server process, driven by the runner over IPC. It publishes in-process
 * (as an app does) with the publish time in each payload, and reports heap after a full GC.
 * Usage (by the runner): node --expose-gc server.mjs <contender>[@base][:<slowConsumer policy>] [<hub option>=<number>…]
 */

import { nowUs, payload, sleep } from './clock.mjs';
import { serveCommands } from './process.mjs';

const [contender, slowConsumer] = process.argv[2].split(':');
// `<name>@base` loads Tidings from the runner's `--base` checkout; anything else from this one.
const [name, variant] = contender.split('@');
if (variant !== 'base') delete process.env.TIDINGS_BENCH_BASE;
else if (!process.env.TIDINGS_BENCH_BASE) throw new Error(`${contender} needs the runner's --base <dir>`);
const { start } = await import(`./contenders/${name}.mjs`);
// Hub options the scenario sets (`key=value` numbers after the contender); hand-written contenders ignore them.
const hubOptions = Object.fromEntries(
  process.argv
    .slice(3)
    .map((kv) => kv.split('='))
    .map(([k, v]) => [k, Number(v)]),
);
const app = await start(slowConsumer ? { ...hubOptions, slowConsumer } : hubOptions);
app.server.keepAliveTimeout = 60_000;
app.server.headersTimeout = 0;
app.server.requestTimeout = 0;

/** The per-user run set up by `perUserPlan`. */
let plan;

const commands = {
  async stats() {
    for (let i = 0; i < 3; i++) globalThis.gc?.();
    await sleep(50);
    const { heapUsed, rss } = process.memoryUsage();
    return { heapUsed, rss };
  },
  /** CPU time of this process so far, user + system, in µs (getrusage: finer than /proc's 10 ms ticks). */
  cpu() {
    const { user, system } = process.cpuUsage();
    return user + system;
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

  /**
   * Sets up a per-user run (see `perUser`) outside the measured window: the topic names, the
   * random user of each of the `count` events, and how many events each user will get.
   */
  perUserPlan({ users, count, bytes, idle = false }) {
    const topics = Array.from({ length: users }, (_, i) => `${idle ? 'nobody' : 'user'}:${i}`);
    const order = new Uint32Array(count);
    const perTopic = new Array(users).fill(0);
    for (let k = 0; k < count; k++) {
      order[k] = Math.floor(Math.random() * users);
      perTopic[order[k]]++;
    }
    plan = { topics, order, seen: new Uint32Array(users), bytes };
    return { perTopic };
  },

  /**
   * Publishes the planned per-user events at `rate`/s, each awaited as an app awaits its
   * publish. The publisher itself is kept lean, so that what is measured is the delivery:
   * one timer every `tickMs` (the events due by then go out back to back, as from a queue
   * consumer; a timer wake-up costs ~50-150 µs of CPU on a busy 2-core box, more than a
   * delivery), names and users made up front, a payload string of `<n> <µs> ` and padding.
   */
  async perUser({ rate, tickMs = 1 }) {
    const { topics, order, seen, bytes } = plan;
    const period = 1000 / rate;
    const started = performance.now();
    const firstUs = nowUs();
    let sent = 0;
    while (sent < order.length) {
      const due = Math.min(order.length, Math.floor((performance.now() - started) / period) + 1);
      while (sent < due) {
        const user = order[sent++];
        await app.publish(topics[user], payload(++seen[user], bytes));
      }
      if (sent < order.length) await sleep(Math.max(tickMs, started + sent * period - performance.now()));
    }
    return { firstUs, lastUs: nowUs() };
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

  /**
   * One event on `topic` that wakes the waiting long-polls, timed inside this process: `syncUs`
   * and `syncCpuUs` (wall and CPU time) cover the publish call itself, in which a server that
   * answers its waiters synchronously writes every answer (Tidings: the first slice of a
   * fan-out, 256 subscribers); `settledUs`/`settledCpuUs` go on, a turn of the event loop at a
   * time, until no long-poll is waiting and the microtasks queued meanwhile have run (answers
   * written after promise steps, as Koa's are, later fan-out slices, the cleanup after the
   * writes). CPU time does not count the time the scheduler gave to other processes, which
   * makes the client-side wake times of a shared machine vary.
   */
  async wake({ topic, bytes }) {
    const cpu0 = process.cpuUsage();
    const firstUs = nowUs();
    const published = app.publish(topic, payload(1, bytes));
    const syncUs = nowUs() - firstUs;
    const syncCpu = process.cpuUsage(cpu0);
    do await new Promise(setImmediate);
    while (app.waiting() > 0);
    const settledUs = nowUs() - firstUs;
    const settledCpu = process.cpuUsage(cpu0);
    await published;
    return {
      firstUs,
      syncUs,
      syncCpuUs: syncCpu.user + syncCpu.system,
      settledUs,
      settledCpuUs: settledCpu.user + settledCpu.system,
    };
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
