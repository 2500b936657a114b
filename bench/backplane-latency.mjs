// Publish→delivery latency through the Redis backplane vs the in-memory broker, one run.
//
//   npm run build && node bench/backplane-latency.mjs
//
// in-memory: one node process (an in-memory hub cannot be shared between nodes) with all
//   subscribers; redis: two node processes on one Redis, subscribers split evenly, every event
//   published through node 1 — so half the deliveries cross nodes. Subscribers are real SSE
//   connections held by this process, which also publishes (POST /publish) and timestamps both
//   ends with one monotonic clock. Latency = publish request sent → event parsed by a subscriber.
// Env: SUBSCRIBERS (1000), EVENTS (100), RATE events/s (10), REDIS_URL (redis://127.0.0.1:6379).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { Agent, get, request } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';

if (process.argv[2] === 'node') await serveNode(process.argv[3], process.argv[4]);
else await main();

/** A child process: one app node on the given broker. */
async function serveNode(kind, prefix) {
  const { createServer } = await import('node:http');
  const { createHub, createNodeHandler } = await import('@tidings/core');
  const broker =
    kind === 'redis'
      ? new (await import('@tidings/redis')).RedisBroker({ redis: process.env.REDIS_URL, prefix })
      : undefined;
  const hub = createHub({ broker });
  const realtime = createNodeHandler(hub);
  const server = createServer((req, res) => {
    if (req.method === 'POST') {
      const n = new URL(req.url, 'http://n').searchParams.get('n');
      hub.publish('bench', `{"n":${n}}`).then(
        () => res.end(),
        () => res.writeHead(503).end(),
      );
    } else realtime(req, res, undefined).catch(() => res.destroy());
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('disconnect', async () => {
    await hub.close();
    await broker?.close();
    process.exit(0);
  });
}

async function main() {
  const subscribers = Number(process.env.SUBSCRIBERS ?? 1000);
  const events = Number(process.env.EVENTS ?? 100);
  const rate = Number(process.env.RATE ?? 10);
  const prefix = `bench-${process.pid}`;
  const results = [];
  for (const [name, nodes] of [
    ['in-memory, 1 node', ['memory']],
    ['redis, 2 nodes', ['redis', 'redis']],
  ]) {
    results.push({ name, ...(await measure(nodes, prefix, subscribers, events, rate)) });
  }
  await cleanup(prefix);
  const [cores, load] = [availableParallelism(), loadavg()[0].toFixed(1)];
  console.log(
    `\n${subscribers} SSE subscribers, ${events} events at ${rate}/s, ${cores} cores, load ${load}\n`,
  );
  console.log('| broker | deliveries | p50 ms | p99 ms | max ms |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.n} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} |`);
  }
}

async function measure(kinds, prefix, subscribers, events, rate) {
  const children = kinds.map((kind) => fork(new URL(import.meta.url).pathname, ['node', kind, prefix]));
  const ports = await Promise.all(children.map(async (child) => (await once(child, 'message'))[0].port));
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const sentAt = new Float64Array(events);
  const latencies = [];
  let expected = subscribers * events;
  let done;
  const finished = new Promise((resolve) => {
    done = resolve;
  });
  const streams = await Promise.all(
    Array.from({ length: subscribers }, (_, i) =>
      subscribe(ports[i % ports.length], agent, (n) => {
        latencies.push(performance.now() - sentAt[n]);
        if (--expected === 0) done();
      }),
    ),
  );
  for (let n = 0; n < events; n++) {
    const due = performance.now() + 1000 / rate;
    sentAt[n] = performance.now();
    await post(ports[0], n, agent);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  for (const stream of streams) stream.destroy();
  agent.destroy();
  for (const child of children) child.disconnect();
  await Promise.all(children.map((child) => once(child, 'exit')));
  return summarize(latencies, subscribers * events);
}

/** Opens an SSE stream; calls `onEvent(n)` for every `data: {"n":…}` line. */
function subscribe(port, agent, onEvent) {
  return new Promise((resolve, reject) => {
    const req = get({
      port,
      host: '127.0.0.1',
      path: '/?topic=bench',
      agent,
      headers: { accept: 'text/event-stream' },
    });
    req.on('response', (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk) => {
        buffer += chunk;
        const end = buffer.lastIndexOf('\n\n');
        if (end < 0) return;
        for (const match of buffer.slice(0, end).matchAll(/^data: \{"n":(\d+)\}$/gm))
          onEvent(Number(match[1]));
        buffer = buffer.slice(end + 2);
      });
      resolve(req);
    });
    req.on('error', reject);
  });
}

function post(port, n, agent) {
  return new Promise((resolve, reject) => {
    const req = request(
      { port, host: '127.0.0.1', method: 'POST', path: `/publish?n=${n}`, agent },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function summarize(samples, wanted) {
  const sorted = Float64Array.from(samples).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  if (sorted.length < wanted) console.warn(`only ${sorted.length} of ${wanted} deliveries arrived`);
  return { n: sorted.length, p50: at(50), p99: at(99), max: sorted[sorted.length - 1] };
}

async function cleanup(prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keys = await redis.keys(`{${prefix}}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}
