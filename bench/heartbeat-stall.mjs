/**
 * How long the heartbeat holds a node's event loop: `node bench/heartbeat-stall.mjs
 * [--streams 6000] [--seconds 31] [--repeats 2] [--base /path/to/other/checkout]`
 * (`npm run build` first, in both checkouts).
 *
 * A child process serves Tidings (`@tidings/node`, in-memory broker, default `heartbeatMs`
 * 15 s) and holds `--streams` idle SSE streams opened from this process over loopback; once all
 * are live, it records its event-loop delay (`monitorEventLoopDelay`, 10 ms resolution) and CPU
 * for `--seconds` (two heartbeat periods by default). Nothing else runs on the node, so the
 * largest delay is the longest the heartbeat held the loop: an event arriving then would wait
 * that long. With `--base`, that checkout's build is measured too, alternating, same run.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { connect } from 'node:net';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : fallback;
};
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

if (argv[0] === '--serve') await serve(argv[1]);
else await run();

/** The child: a Tidings node on port 0, answering the parent's `count` and `measure`. */
async function serve(root) {
  const { realtime } = await import(pathToFileURL(resolve(root, 'packages/node/dist/index.js')).href);
  const rt = realtime({ limits: { maxConnections: 100_000 } });
  const server = http.createServer((req, res) => rt(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.send({ port: server.address().port });
  process.on('message', async ({ op, seconds }) => {
    if (op === 'count') process.send({ open: rt.hub.openConnections });
    if (op !== 'measure') return;
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const cpu = process.cpuUsage();
    delay.enable();
    await sleep(seconds * 1000);
    delay.disable();
    const used = process.cpuUsage(cpu);
    const ms = (ns) => Math.round(ns / 1e5) / 10;
    process.send({
      maxMs: ms(delay.max),
      p999Ms: ms(delay.percentile(99.9)),
      p99Ms: ms(delay.percentile(99)),
      cpuMsPerS: Math.round((used.user + used.system) / 1000 / seconds),
    });
  });
}

/** Opens `streams` SSE streams to `port`, 200 at a time; each discards what it reads. */
async function open(port, streams) {
  const sockets = [];
  for (let i = 0; i < streams; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(streams, i + 200); j++) {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.write(`GET /realtime?topic=user:${j} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`);
      sockets.push(socket);
      batch.push(once(socket, 'data'));
    }
    await Promise.all(batch);
  }
  return sockets;
}

async function measure(root, streams, seconds) {
  const child = fork(new URL(import.meta.url).pathname, ['--serve', root], { stdio: 'inherit' });
  const call = async (message) => {
    const reply = once(child, 'message');
    child.send(message);
    return (await reply)[0];
  };
  try {
    const [{ port }] = await once(child, 'message');
    const sockets = await open(port, streams);
    while ((await call({ op: 'count' })).open < streams) await sleep(100);
    const load = loadavg()[0];
    const result = await call({ op: 'measure', seconds });
    for (const socket of sockets) socket.destroy();
    return { ...result, load: Math.round(load * 10) / 10 };
  } finally {
    child.kill();
  }
}

async function run() {
  const streams = Number(option('streams', 6_000));
  const seconds = Number(option('seconds', 31));
  const repeats = Number(option('repeats', 2));
  const base = option('base', undefined);
  const here = resolve(new URL('..', import.meta.url).pathname);
  const roots = base ? { base: resolve(base), head: here } : { head: here };
  const rows = [];
  for (let r = 0; r < repeats; r++) {
    for (const [name, root] of Object.entries(roots)) {
      const row = { run: name, streams, ...(await measure(root, streams, seconds)) };
      console.error(row);
      rows.push(row);
    }
  }
  console.table(rows);
  console.log(JSON.stringify({ command: `node bench/heartbeat-stall.mjs ${argv.join(' ')}`.trim(), rows }));
}
