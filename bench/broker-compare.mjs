/**
 * Brokers side by side, in one run: `npm run build && node bench/broker-compare.mjs [--quick]`.
 *
 * For each broker — in-memory, Redis (127.0.0.1:6379) and NATS JetStream (127.0.0.1:4222) —
 * two "nodes" (two broker instances with their own connections; the in-memory broker is
 * process-local, so it is one instance) share one fresh hub:
 *
 * - latency: node B subscribes to a topic, node A publishes events one at a time; the time
 *   from calling `publish()` on A to B's listener receiving the event, p50 / p99 / max.
 * - publish rate: node A publishes as fast as it can with 64 publishes in flight, over 64
 *   topics and over a single topic (acknowledged appends per second).
 *
 * Payloads are 128 bytes. A broker whose service is down is reported as skipped. Redis keys
 * and the NATS stream are deleted afterwards.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { MemoryBroker } from '@tidings/core';
import { createNatsBroker } from '@tidings/nats';
import { RedisBroker } from '@tidings/redis';
import { Redis } from 'ioredis';

const quick = process.argv.includes('--quick');
const LATENCY_EVENTS = quick ? 300 : 2_000;
const RATE_EVENTS = quick ? 2_000 : 20_000;
const IN_FLIGHT = 64;
const DATA = 'x'.repeat(128);
const run = `bench${process.pid}${Date.now().toString(36)}`;

/** A fresh hub on each broker: `nodeA`, `nodeB`, and `dispose()`. */
const contenders = {
  async memory() {
    const broker = new MemoryBroker({ maxEvents: 1000 });
    return { nodeA: broker, nodeB: broker, dispose: () => broker.close() };
  },
  async redis() {
    const options = { redis: 'redis://127.0.0.1:6379', prefix: run, commandTimeoutMs: 5_000 };
    const nodeA = new RedisBroker(options);
    const nodeB = new RedisBroker(options);
    await nodeA.head();
    return {
      nodeA,
      nodeB,
      async dispose() {
        await nodeA.close();
        await nodeB.close();
        const admin = new Redis('redis://127.0.0.1:6379');
        const keys = await admin.keys(`*${run}*`);
        if (keys.length > 0) await admin.del(...keys);
        admin.disconnect();
      },
    };
  },
  async nats() {
    const options = { servers: '127.0.0.1:4222', stream: run, timeoutMs: 5_000 };
    const nodeA = await createNatsBroker(options);
    const nodeB = await createNatsBroker(options);
    return {
      nodeA,
      nodeB,
      async dispose() {
        await nodeA.deleteStream();
        await nodeA.close();
        await nodeB.close();
      },
    };
  },
};

async function latency({ nodeA, nodeB }) {
  const sent = new Map();
  const samples = [];
  let arrived = () => {};
  const unsubscribe = await nodeB.subscribe('latency', (event) => {
    samples.push(performance.now() - sent.get(event.data));
    arrived();
  });
  for (let i = 0; i < LATENCY_EVENTS; i++) {
    const data = `${i}:${DATA}`;
    const delivered = new Promise((resolve) => {
      arrived = resolve;
    });
    sent.set(data, performance.now());
    await nodeA.publish({ topic: 'latency', event: undefined, data });
    await delivered;
  }
  unsubscribe();
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { p50: at(0.5), p99: at(0.99), max: samples.at(-1) };
}

async function publishRate({ nodeA }, topics) {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < RATE_EVENTS) {
      const i = next++;
      await nodeA.publish({ topic: `rate-${i % topics}`, event: undefined, data: DATA });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return RATE_EVENTS / ((performance.now() - started) / 1000);
}

const ms = (value) => value.toFixed(2).padStart(8);
const rate = (value) => Math.round(value).toLocaleString('en-US').padStart(10);
console.log(
  `broker-compare: Node ${process.version}, ${LATENCY_EVENTS} latency events, ${RATE_EVENTS} events per rate run, ${IN_FLIGHT} in flight, 128-byte payloads, load average ${loadavg()[0].toFixed(1)}`,
);
console.log('broker  | latency p50 ms | p99 ms   | max ms   | publish/s, 64 topics | publish/s, 1 topic');
console.log('--------|---------------|----------|----------|----------------------|-------------------');
for (const [name, create] of Object.entries(contenders)) {
  let hub;
  try {
    hub = await create();
  } catch (error) {
    console.log(`${name.padEnd(7)} | skipped: ${error.message}`);
    continue;
  }
  try {
    const { p50, p99, max } = await latency(hub);
    const many = await publishRate(hub, 64);
    const one = await publishRate(hub, 1);
    console.log(
      `${name.padEnd(7)} | ${ms(p50)}      | ${ms(p99)} | ${ms(max)} | ${rate(many)}           | ${rate(one)}`,
    );
  } finally {
    await hub.dispose();
  }
}
