/**
 * CPU per NATS publish, client and server side: `npm run build && node bench/nats-publish-cpu.mjs
 * [--from /path/to/another/checkout] [--events 20000]`.
 *
 * One NatsBroker (127.0.0.1:4222, a fresh file-stored stream) publishes `--events` 128-byte
 * events with 64 in flight, over 64 topics and over 1 topic, as bench/broker-compare.mjs does.
 * Besides publish/s it reports the publishing process's CPU (user + system) and the shared
 * nats-server's CPU (from /proc, the server listening on port 4222), in µs per publish: on a
 * busy box those add up to the rate a core can sustain, whatever else runs. `--from` loads
 * `@tidings/nats` from another checkout's built dist/ (a before/after in one session). The
 * server's figure includes whatever else uses that server meanwhile.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { from: { type: 'string', default: '.' }, events: { type: 'string', default: '20000' } },
});
const EVENTS = Number(values.events);
const IN_FLIGHT = 64;
const DATA = 'x'.repeat(128);
const entry = pathToFileURL(resolve(values.from, 'packages/nats/dist/index.js')).href;
const { createNatsBroker } = await import(entry);

/** The pid of the nats-server listening on port 4222, if it runs on this machine. */
function natsServerPid() {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('nats-server') && argv.includes('4222')) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

const serverPid = natsServerPid();
const TICK_US = 1_000_000 / 100; // USER_HZ
/** The server's CPU time so far, µs (NaN if unknown). */
function serverCpu() {
  if (!serverPid) return Number.NaN;
  const fields = readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

async function measure(broker, topics) {
  let next = 0;
  const server = serverCpu();
  const client = process.cpuUsage();
  const started = performance.now();
  const worker = async () => {
    while (next < EVENTS) {
      const i = next++;
      await broker.publish({ topic: `rate-${i % topics}`, event: undefined, data: DATA });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(client);
  return {
    rate: EVENTS / seconds,
    clientUs: (used.user + used.system) / EVENTS,
    serverUs: (serverCpu() - server) / EVENTS,
  };
}

const broker = await createNatsBroker({
  servers: '127.0.0.1:4222',
  stream: `cpu${process.pid}${Date.now().toString(36)}`,
  timeoutMs: 5_000,
});
try {
  for (let i = 0; i < 1_000; i++)
    await broker.publish({ topic: `warm-${i % 8}`, event: undefined, data: DATA });
  const many = await measure(broker, 64);
  const one = await measure(broker, 1);
  const row = (label, m) =>
    `${label} | ${Math.round(m.rate).toLocaleString('en-US').padStart(9)} | ${m.clientUs.toFixed(1).padStart(9)} | ${m.serverUs.toFixed(1).padStart(9)}`;
  console.log(
    `nats-publish-cpu: ${values.from}, ${EVENTS} events, ${IN_FLIGHT} in flight, load average ${loadavg()[0].toFixed(1)}`,
  );
  console.log('topics | publish/s | client µs | server µs');
  console.log(row('64    ', many));
  console.log(row('1     ', one));
} finally {
  await broker.deleteStream();
  await broker.close();
}
