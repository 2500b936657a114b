/**
 * The scale scenario: `npm run bench:scale -- [--subscribers 100000] [--nodes 8]
 * [--broker redis|nats] [--json] [--cpu-prof-dir DIR]` (see the Scale section of bench/RESULTS.md).
 *
 * On a private redis-server or nats-server (free loopback ports, deleted afterwards), it
 * starts `--nodes` app nodes and one publishing node (separate processes, fd limit raised to
 * the hard limit) and load generators that hold `--subscribers` subscribers, user `u` on node
 * `u % nodes`, every `--long-poll-every`-th over long-poll and the rest over SSE, each on
 * `user:<u>` and `broadcast`, from source addresses 127.0.0.10, .11, … Then, in order:
 *
 * 1. connect: time until every subscriber is live and every node counts its share;
 * 2. idle: RSS and CPU per node over one heartbeat period (15 s), per 10k connections;
 * 3. per-user: `--rate`/s notifications to random users for `--seconds`, publish-to-delivery
 *    latency, and broker operations per publish (Redis INFO commandstats, NATS /varz);
 * 4. broadcast: one event to everyone, time until the last delivery;
 * 5. kill: per-user traffic again, the last node SIGKILLed a second in; its clients reconnect
 *    to the others with their Last-Event-ID / cursor — resumed once every client is live again
 *    and the surviving nodes count every subscriber; then a second broadcast, and every
 *    subscriber must hold exactly every event published to it, in order.
 *
 * Bounded: every wait has a deadline, and every child is killed on any exit path.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { nowUs, sleep } from './src/clock.mjs';
import { killAll, killChildrenOnExit, spawnService, startProcess } from './src/process.mjs';
import { markdown, revision } from './src/scale-report.mjs';
import { cpuUs, rssBytes, summarize } from './src/stats.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : fallback;
};
const subscribers = Number(option('subscribers', 100_000));
const nodes = Number(option('nodes', 8));
const broker = option('broker', 'redis');
const lpEvery = Number(option('long-poll-every', 10));
const rate = Number(option('rate', 2_000));
const seconds = Number(option('seconds', 5));
const idleMs = Number(option('idle-ms', 15_000));
const jitterMs = Number(option('jitter-ms', 2_000));
const workers = Number(option('workers', Math.max(2, Math.ceil(subscribers / 12_500))));
/** The whole run's deadline, and each wait's within it. */
const timeoutMs = Number(option('timeout-ms', 2_400_000));
const connectMs = Number(option('connect-timeout-ms', timeoutMs / 2));
const phaseMs = Number(option('phase-timeout-ms', 180_000));
const json = argv.includes('--json');
/** Profiles the app nodes (`node --cpu-prof`): one .cpuprofile per node in this directory. */
const cpuProf = option('cpu-prof-dir', undefined);
if (!['redis', 'nats'].includes(broker)) throw new TypeError('--broker must be redis or nats');
if (nodes < 2) throw new TypeError('--nodes must be at least 2 (one is killed)');

const log = (...args) => console.error(`[scale ${(performance.now() / 1000).toFixed(1)} s]`, ...args);
killChildrenOnExit();
const deadline = setTimeout(() => {
  console.error(`scale: not done within ${timeoutMs} ms, giving up`);
  process.exit(1);
}, timeoutMs);

function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  return once(server, 'listening').then(() => {
    const { port } = server.address();
    server.close();
    return port;
  });
}

/** Whether 127.0.0.1:`port` accepts a connection. */
function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => resolve(true) || socket.destroy());
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(test, ms, what) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await test();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A private broker server: url, an operation counter, and the directory to delete. */
async function startBroker() {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-scale-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  if (broker === 'redis') {
    const { pid } = spawnService('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ]);
    await waitFor(() => accepts(port), 10_000, 'redis-server');
    const admin = new Redis({ port, host: '127.0.0.1' });
    return {
      url: `redis://127.0.0.1:${port}`,
      dir,
      pid,
      /** Calls per command since start, from INFO commandstats. */
      async ops() {
        const info = await admin.info('commandstats');
        const ops = {};
        for (const [, cmd, calls] of info.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) ops[cmd] = Number(calls);
        delete ops.info;
        return ops;
      },
      close: () => admin.quit(),
    };
  }
  const monitor = await freePort();
  const { pid } = spawnService('nats-server', [
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-m',
    String(monitor),
    '-js',
    '-sd',
    dir,
  ]);
  const varz = () => fetch(`http://127.0.0.1:${monitor}/varz`).then((r) => r.json());
  await waitFor(
    () =>
      varz().then(
        (v) => v.jetstream !== undefined,
        () => false,
      ),
    10_000,
    'nats-server',
  );
  return {
    url: `127.0.0.1:${port}`,
    dir,
    pid,
    /** Messages into and out of the server since start, from /varz. */
    async ops() {
      const v = await varz();
      return { in_msgs: v.in_msgs, out_msgs: v.out_msgs };
    },
    close: async () => {},
  };
}

const delta = (after, before) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)])
      .filter(([, v]) => v > 0),
  );
/** Broker operations per unit (a publish, a subscriber): the total, and by operation. */
const perUnit = (ops, units) => ({
  total: round(Object.values(ops).reduce((a, b) => a + b, 0) / units, 2),
  ...Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, round(v / units, 2)])),
});
const round = (v, digits = 2) => Number(v.toFixed(digits));
const latency = (samples) => {
  const s = summarize(samples);
  return { n: s.n, p50: s.p50, p99: s.p99, max: s.max };
};

/**
 * User `u` is on node `u % nodes` and in load generator `⌊u / nodes⌋ % workers`, so every load
 * generator holds clients of every node: a killed node's clients reconnect from all of them,
 * through all their connect slots, as at the first connect. Every `lpEvery`-th block of
 * `nodes × workers` users is on long-poll: the same share on every node and load generator.
 */
const usersOf = Array.from({ length: workers }, () => []);
for (let u = 0; u < subscribers; u++) usersOf[Math.floor(u / nodes) % workers].push(u);
const isLongPoll = (u) => Math.floor(u / (nodes * workers)) % lpEvery === 0;

const report = {
  command: `npm run bench:scale -- ${argv.join(' ')}`.trim(),
  subscribers,
  nodes,
  broker,
  longPoll: Array.from({ length: subscribers }, (_, u) => u).filter(isLongPoll).length,
  workers,
  cpus: cpus().length,
  loadBefore: loadavg().map((v) => round(v, 1)),
  commit: revision(),
  date: new Date().toISOString(),
};
const backend = await startBroker();
try {
  log(`${broker} at ${backend.url}; ${nodes} nodes, ${workers} load generators, ${subscribers} subscribers`);
  const name = `scale${Date.now().toString(36)}`;
  const start = (script, args) => startProcess(script, args);
  const app = Array.from({ length: nodes }, () =>
    startProcess('scale-node.mjs', [broker, backend.url, name, subscribers], {
      nodeFlags: cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [],
    }),
  );
  const publisher = start('scale-node.mjs', [broker, backend.url, name, subscribers]);
  const ports = (await Promise.all(app.map((n) => n.ready))).map((r) => r.port);
  await publisher.ready;
  const gens = Array.from({ length: workers }, () => start('scale-loadgen.mjs', []));
  await Promise.all(gens.map((g) => g.ready));
  const rss0 = app.map((n) => rssBytes(n.pid));

  // 1. connect
  const connectOps0 = await backend.ops();
  const connectCpu0 = app.map((n) => cpuUs(n.pid));
  const connectBrokerCpu0 = cpuUs(backend.pid);
  const t0 = nowUs();
  const opened = await Promise.all(
    gens.map((g, w) =>
      g.call('open', {
        ports,
        users: usersOf[w],
        longPoll: usersOf[w].filter(isLongPoll),
        localAddress: `127.0.0.${10 + w}`,
        jitterMs,
        waitSeconds: 30,
        timeoutMs: connectMs,
      }),
    ),
  );
  const notLive = opened.reduce((sum, o) => sum + o.subscribers - o.live, 0);
  const counted = await waitFor(
    async () => {
      const stats = await Promise.all(app.map((n) => n.call('stats')));
      const held = stats.map((s) => s.connections.sse + s.connections.longPoll);
      return held.reduce((a, b) => a + b, 0) >= subscribers && held;
    },
    phaseMs,
    'the nodes to count every subscriber',
  ).catch(() => undefined);
  report.connect = {
    ms: round((nowUs() - t0) / 1e3, 0),
    notLive,
    perNode: counted,
    // the nodes' CPU time over the phase, per subscriber
    nodeCpuMsPerSubscriber: round(
      app.reduce((a, n, i) => a + cpuUs(n.pid) - connectCpu0[i], 0) / 1e3 / subscribers,
      3,
    ),
    brokerCpuMsPerSubscriber: round((cpuUs(backend.pid) - connectBrokerCpu0) / 1e3 / subscribers, 3),
  };
  report.connect.brokerOpsPerSubscriber = perUnit(delta(await backend.ops(), connectOps0), subscribers);
  log('connected', report.connect);
  if (notLive > 0 || !counted) throw new Error(`${notLive} subscribers not live`);

  // 2. idle
  await sleep(1000);
  const cpu0 = app.map((n) => cpuUs(n.pid));
  const idleStarted = performance.now();
  await sleep(idleMs);
  const idleSeconds = (performance.now() - idleStarted) / 1000;
  report.idle = app.map((n, i) => {
    const per10k = 10_000 / counted[i];
    return {
      conns: counted[i],
      'RSS MB': round(rssBytes(n.pid) / 2 ** 20, 0),
      'RSS MB/10k': round(((rssBytes(n.pid) - rss0[i]) / 2 ** 20) * per10k, 1),
      'CPU ms/s per 10k': round(((cpuUs(n.pid) - cpu0[i]) / 1e3 / idleSeconds) * per10k, 2),
    };
  });
  report.idleSeconds = round(idleSeconds, 1);
  log('idle', report.idle);

  // 3. per-user
  const expected = new Array(subscribers).fill(0);
  const add = (perUser) => {
    for (const [u, n] of perUser.entries()) expected[u] += n;
  };
  const collect = async (broadcasts, ms) => {
    const parts = await Promise.all(
      gens.map((g) => g.call('expect', { perUser: expected, broadcasts, timeoutMs: ms })),
    );
    const sum = (k) => parts.reduce((a, p) => a + p[k], 0);
    return {
      latencyMs: latency(parts.flatMap((p) => p.latenciesMs)),
      live: sum('live'),
      moved: sum('moved'),
      movedLive: sum('movedLive'),
      missing: sum('missing'),
      duplicatedOrReordered: sum('late'),
      errors: sum('errors'),
    };
  };
  await Promise.all(gens.map((g) => g.call('phase')));
  const ops0 = await backend.ops();
  const brokerCpu0 = cpuUs(backend.pid);
  const pub = await publisher.call('perUser', { users: subscribers, rate, seconds });
  add(pub.perUser);
  const delivered = await collect(0, phaseMs);
  const ops = delta(await backend.ops(), ops0);
  const brokerCpu = cpuUs(backend.pid) - brokerCpu0;
  const published = rate * seconds;
  report.perUser = {
    rate,
    achievedRate: round(pub.achievedRate, 0),
    published,
    failed: pub.failed,
    ...delivered,
    brokerOpsPerPublish: perUnit(ops, published),
    // everything the broker process did meanwhile (long-polls' history reads too), per publish
    brokerCpuUsPerPublish: round(brokerCpu / published, 1),
  };
  log('per-user', report.perUser);

  // 4. broadcast
  await Promise.all(gens.map((g) => g.call('phase')));
  await publisher.call('broadcast', { k: 1 });
  const fanout = await collect(1, phaseMs);
  report.broadcast = { ...fanout, lastDeliveryMs: fanout.latencyMs.max };
  log('broadcast', report.broadcast);

  // 5. kill
  await Promise.all(gens.map((g) => g.call('phase')));
  const victim = nodes - 1;
  const { connections } = await app[victim].call('stats');
  const victims = connections.sse + connections.longPoll;
  const traffic = publisher.call('perUser', { users: subscribers, rate, seconds: seconds + jitterMs / 1000 });
  await sleep(1000);
  const killOps0 = await backend.ops();
  const survivors = app.filter((_, i) => i !== victim);
  const killCpu0 = survivors.map((n) => cpuUs(n.pid));
  const killBrokerCpu0 = cpuUs(backend.pid);
  const killedUs = nowUs();
  const killedMono = process.hrtime.bigint();
  await app[victim].kill();
  log(`SIGKILLed node ${victim} (${victims} subscribers)`);
  await waitFor(
    async () =>
      (await Promise.all(gens.map((g) => g.call('status')))).reduce((a, s) => a + s.moved, 0) >= victims,
    30_000,
    "the killed node's subscribers to notice",
  ).catch(() => {});
  const settled = await Promise.all(gens.map((g) => g.call('settled', { timeoutMs: phaseMs })));
  // Live on the clients' side; and the nodes themselves count every subscriber again (a resumed
  // long-poll is live once sent, so this is where the node is seen to hold it).
  const countedUs = await waitFor(
    async () => {
      const stats = await Promise.all(survivors.map((n) => n.call('stats')));
      const held = stats.reduce((a, s) => a + s.connections.sse + s.connections.longPoll, 0);
      return held >= subscribers && nowUs();
    },
    phaseMs,
    'the surviving nodes to count every subscriber',
  ).catch(() => undefined);
  const resumeCpuUs = survivors.reduce((a, n, i) => a + cpuUs(n.pid) - killCpu0[i], 0);
  const resumeBrokerCpuUs = cpuUs(backend.pid) - killBrokerCpu0;
  // the resume window on CLOCK_MONOTONIC (µs), the clock of the nodes' .cpuprofile timestamps
  if (cpuProf) report.profileWindowUs = [killedMono / 1000n, process.hrtime.bigint() / 1000n].map(Number);
  const clientsLiveMs = (Math.max(...settled.map((s) => s.atUs)) - killedUs) / 1e3;
  const resumedMs = Math.max(clientsLiveMs, ((countedUs ?? Number.NaN) - killedUs) / 1e3);
  const resumeOps = delta(await backend.ops(), killOps0);
  const during = await traffic;
  add(during.perUser);
  await publisher.call('broadcast', { k: 2 });
  const after = await collect(2, phaseMs);
  report.kill = {
    victims,
    resumed: after.movedLive,
    allResumedMs: round(resumedMs, 0),
    clientsLiveMs: round(clientsLiveMs, 0),
    nodesCountedMs: round(((countedUs ?? Number.NaN) - killedUs) / 1e3, 0),
    // the surviving nodes' CPU time from the kill to all resumed (the per-user traffic meanwhile too), per victim
    nodeCpuMsPerResume: round(resumeCpuUs / 1e3 / victims, 3),
    brokerCpuMsPerResume: round(resumeBrokerCpuUs / 1e3 / victims, 3),
    // where each load generator's reconnects spent their time (only generators with moves)
    phases: settled.filter((s) => s.moved > 0).map((s) => s.resumes),
    publishedMeanwhile: rate * (seconds + jitterMs / 1000),
    failed: during.failed,
    ...after,
    // the resumes' operations and the publishes made meanwhile, per resumed subscriber
    brokerOpsPerResume: perUnit(resumeOps, victims),
  };
  log('kill', report.kill);
  report.loadAfter = loadavg().map((v) => round(v, 1));
  report.ok =
    report.perUser.missing === 0 &&
    report.broadcast.missing === 0 &&
    after.missing === 0 &&
    after.duplicatedOrReordered === 0 &&
    after.errors === 0 &&
    after.live === subscribers &&
    // every client of the killed node moved (a few others may have too, on a busy box)
    after.moved >= victims &&
    after.movedLive === after.moved &&
    settled.every((s) => s.done) &&
    countedUs !== undefined;
  await Promise.all(gens.map((g) => g.call('close')));
  // A profiled node writes its profile on a clean exit.
  if (cpuProf) await Promise.all(survivors.map((n) => n.stop()));
} finally {
  killAll();
  await backend.close().catch(() => {});
  rmSync(backend.dir, { recursive: true, force: true });
  clearTimeout(deadline);
}

if (json) console.log(JSON.stringify(report));
else console.log(markdown(report));
process.exitCode = report.ok ? 0 : 1;
