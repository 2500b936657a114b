/**
 * Redis publish rate with Redis's own cost per publish, for one build of @tidings/redis:
 * `node bench/redis-publish-cpu.mjs [path/to/packages/redis/dist/index.js] [--events N] [--in-flight N]`.
 *
 * One node publishes with 64 in flight (or `--in-flight`), 128-byte payloads, over 64 topics and over 1 topic (as
 * bench/broker-compare.mjs does), and reports per run: publishes/s, acknowledgement latency
 * p50 / p99 under that load, the Redis server's CPU per publish (`INFO cpu`, main thread, which
 * also counts other clients of a shared Redis), the script's share (`INFO commandstats`,
 * `evalsha` µs: wall time, inflated on a loaded box) and the publishing process's own CPU per
 * publish (`process.cpuUsage()`). Give another build's dist (e.g. /work/main's) to compare before and after.
 */
import { loadavg } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const EVENTS = option('--events', 20_000);
const IN_FLIGHT = option('--in-flight', 64);
const given = args.find((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
const { RedisBroker } = await import(
  given ? pathToFileURL(isAbsolute(given) ? given : resolve(given)).href : '@tidings/redis'
);
const DATA = 'x'.repeat(128);
const run = `benchcpu${process.pid}${Date.now().toString(36)}`;

const admin = new Redis('redis://127.0.0.1:6379');

async function redisCpuUs() {
  const info = await admin.info('cpu');
  const field = (name) => Number(info.match(new RegExp(`${name}:([\\d.]+)`))[1]);
  return (field('used_cpu_sys_main_thread') + field('used_cpu_user_main_thread')) * 1e6;
}

async function scriptUs() {
  const info = await admin.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/cmdstat_(?:evalsha|eval):calls=\d+,usec=(\d+)/g))
    total += Number(match[1]);
  return total;
}

async function publishRate(broker, topics, events = EVENTS) {
  let next = 0;
  const latencies = [];
  const cpu = await redisCpuUs();
  const script = await scriptUs();
  const own = process.cpuUsage();
  const started = performance.now();
  const worker = async () => {
    while (next < events) {
      const i = next++;
      const sent = performance.now();
      await broker.publish({ topic: `rate-${i % topics}`, event: undefined, data: DATA });
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(own);
  const nodePer = (user + system) / events;
  const cpuPer = ((await redisCpuUs()) - cpu) / events;
  const scriptPer = ((await scriptUs()) - script) / events;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { rate: events / seconds, p50: q(0.5), p99: q(0.99), cpuPer, scriptPer, nodePer };
}

const broker = new RedisBroker({ redis: 'redis://127.0.0.1:6379', prefix: run, commandTimeoutMs: 5_000 });
try {
  await broker.head();
  console.log(
    `redis-publish-cpu: ${given ?? '@tidings/redis'}, ${EVENTS} events per run, ${IN_FLIGHT} in flight, load average ${loadavg()[0].toFixed(1)}`,
  );
  // Warm-up (JIT, connections), not reported.
  await publishRate(broker, 64, Math.min(EVENTS, 2_000));
  for (const topics of [64, 1]) {
    const { rate, p50, p99, cpuPer, scriptPer, nodePer } = await publishRate(broker, topics);
    console.log(
      `${String(topics).padStart(2)} topic(s): ${Math.round(rate).toLocaleString('en-US')} publish/s, ack p50 ${p50.toFixed(2)} ms p99 ${p99.toFixed(2)} ms, Redis CPU ${cpuPer.toFixed(1)} µs/publish (script ${scriptPer.toFixed(1)} µs), publishing process CPU ${nodePer.toFixed(1)} µs/publish`,
    );
  }
} finally {
  await broker.close();
  const keys = await admin.keys(`*${run}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
}
