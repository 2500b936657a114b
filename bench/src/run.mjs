/**
 * The benchmark runner: `npm run bench [-- --quick] [--repeats N] [--scenarios a,b]
 * [--contenders a,b] [--set scenario.key=value] [--profile dir] [--base dir] [--write]`.
 *
 * Every scenario starts each contender's server in a fresh process pinned to CPU 0 and
 * drives it from one load-generator process pinned to CPU 1, alternating contenders
 * (A B C A B C …) over the repeats, then reports medians and ratios to each contender's baseline.
 * `--write` also writes bench/RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { nowUs, sleep } from './clock.mjs';
import { killChildrenOnExit, startProcess as spawnProcess } from './process.mjs';
import { cpuUs, median, rssBytes } from './stats.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

const FULL = {
  idle: { conns: 10_000, settleMs: 1000 },
  broadcast: { subscribers: 1_000, rate: 20, seconds: 10, bytes: 128 },
  saturate: { subscribers: 10_000, events: 20, bytes: 128 },
  'per-user': { subscribers: 10_000, rate: 2_000, seconds: 10, bytes: 128, tickMs: 10 },
  poll: { conns: 32, seconds: 1, slices: 5 },
  'long-poll': { waiters: 5_000 },
  'resume-storm': { clients: 5_000, behind: 100, bytes: 128 },
  'fast-readers': { readers: 10, burst: 40, seconds: 5, bytes: 1024 },
};
const QUICK = {
  idle: { conns: 1_000, settleMs: 300 },
  broadcast: { subscribers: 200, rate: 20, seconds: 1, bytes: 128 },
  saturate: { subscribers: 1_000, events: 20, bytes: 128 },
  'per-user': { subscribers: 1_000, rate: 500, seconds: 1, bytes: 128, tickMs: 10 },
  poll: { conns: 16, seconds: 0.3, slices: 3 },
  'long-poll': { waiters: 500 },
  'resume-storm': { clients: 300, behind: 100, bytes: 128 },
  'fast-readers': { readers: 4, burst: 40, seconds: 1, bytes: 1024 },
};
/**
 * Contenders in alternation order, each hand-written baseline before the Tidings adapter
 * measured against it. `floor` is the hand-written node:http server; `express`, `koa` and
 * `fastify` do the same job hand-written in their framework.
 */
const ALL_CONTENDERS = [
  'floor',
  'tidings-node',
  'express',
  'tidings-express',
  'koa',
  'tidings-koa',
  'fastify',
  'tidings-fastify',
  'better-sse',
];
/** What each contender's ratio is taken against: every adapter against its own framework. */
const BASELINE_OF = {
  'tidings-node': 'floor',
  express: 'floor',
  'tidings-express': 'express',
  koa: 'floor',
  'tidings-koa': 'koa',
  fastify: 'floor',
  'tidings-fastify': 'fastify',
  'better-sse': 'floor',
};
/**
 * A contender's baseline; Tidings under a slow-consumer policy (`tidings-node:<policy>`) is
 * compared with the floor, and `<name>@base` (`--base`) with the baseline of `<name>`.
 */
const baselineOf = (contender) => {
  const name = contender.split('@')[0];
  return BASELINE_OF[name] ?? (name === 'floor' ? undefined : 'floor');
};
/** better-sse has no poll, long-poll or replay: it sits those scenarios out. */
const FULL_CONTENDERS = ALL_CONTENDERS.filter((c) => c !== 'better-sse');
/** Tidings under each slow-consumer policy (`<contender>:<policy>` sets the hub's `slowConsumer`). */
const POLICY_CONTENDERS = [
  'floor',
  'tidings-node:disconnect',
  'tidings-node:drop-oldest',
  'tidings-node:latest',
];
/** Publish rates of the fast-readers scenario, events/s. */
const FAST_READER_RATES = [1_000, 2_000];
const CONTENDERS_OF = {
  idle: ALL_CONTENDERS,
  broadcast: ALL_CONTENDERS,
  saturate: ALL_CONTENDERS,
  'per-user': ALL_CONTENDERS,
  poll: FULL_CONTENDERS,
  'long-poll': FULL_CONTENDERS,
  'resume-storm': FULL_CONTENDERS,
  'fast-readers': POLICY_CONTENDERS,
};

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
};
const quick = flag('quick');
const sizes = structuredClone(quick ? QUICK : FULL);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] !== '--set') continue;
  const [path, value] = argv[i + 1].split('=');
  const [scenario, key] = path.split('.');
  sizes[scenario][key] = Number(value);
}
const repeats = Number(option('repeats') ?? (quick ? 1 : 3));
const scenarios = option('scenarios')?.split(',') ?? Object.keys(sizes);
const onlyContenders = option('contenders')?.split(',');
/** `--profile <dir>`: each server process writes a V8 CPU profile under `<dir>/<scenario>-<contender>-<round>/`. */
const profileDir = option('profile');
/**
 * `--base <dir>`: another checkout (built, with its node_modules), e.g. main before a change;
 * contenders named `<name>@base` in `--contenders` run its Tidings packages.
 */
const baseDir = option('base');
if (baseDir) process.env.TIDINGS_BENCH_BASE = baseDir;
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return os.availableParallelism() >= 2;
  } catch {
    return false;
  }
})();

/** A bench process pinned to `cpu` (when taskset is there), with extra node flags. */
const startProcess = (script, args, cpu, nodeFlags = []) =>
  spawnProcess(script, args, { cpu, pin: hasTaskset, nodeFlags });

async function waitFor(test, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await test()) && Date.now() < deadline) await sleep(20);
}

/** Loss = missing events; disorder = duplicates or reordered ones. Both must be 0. */
const integrity = (r) => ({ lost: r.missing, disordered: r.late });
/** The client-side latency percentiles of a delivery scenario, as table columns. */
const latencyColumns = (ms) => ({ 'p50 ms': ms.p50, 'p99 ms': ms.p99, 'p999 ms': ms.p999, 'max ms': ms.max });

/**
 * Scenarios whose servers all run at once, measured in short slices that alternate between
 * contenders (A B C A B C … within one round): on a shared machine, every contender then sees
 * the same background load, which whole-process alternation cannot promise for runs this
 * short. `setup` runs once per server; its result is passed to every slice. The first slice
 * of each contender warms it up and is not counted.
 */
const INTERLEAVED = {
  poll: {
    async setup(server) {
      const before = await server.call('head');
      await server.call('fill', { topic: 'p', count: 1, bytes: 128 });
      return { before };
    },
    slices: (size) => size.slices,
  },
};

const SCENARIOS = {
  async idle(server, lg, port, { conns, settleMs }) {
    await server.call('stats');
    const rss0 = rssBytes(server.pid);
    const { heapUsed: heap0 } = await server.call('stats');
    const open = await lg.call('sseOpen', { port, count: conns, topic: 'idle' });
    await sleep(settleMs);
    const { heapUsed: heap1 } = await server.call('stats');
    const rss1 = rssBytes(server.pid);
    return {
      'RSS/conn KB': (rss1 - rss0) / conns / 1024,
      'heap/conn KB': (heap1 - heap0) / conns / 1024,
      'not live': conns - (open.live ? conns : 0) + open.failed,
    };
  },

  async broadcast(server, lg, port, { subscribers, rate, seconds, bytes }) {
    await lg.call('sseOpen', { port, count: subscribers, topic: 'b', fanout: true });
    const count = Math.round(rate * seconds);
    await server.call('stats'); // a full GC first: connection setup garbage is not a delivery cost
    const cpu0 = cpuUs(server.pid);
    await server.call('paced', { topic: 'b', rate, count, bytes });
    const r = await lg.call('sseExpect', { expected: count, timeoutMs: 10_000 });
    const cpu = cpuUs(server.pid) - cpu0;
    return {
      ...latencyColumns(r.latencyMs),
      'fan-out p50 ms': r.fanoutMs.p50,
      'CPU µs/delivery': cpu / r.received,
      ...integrity(r),
    };
  },

  async saturate(server, lg, port, { subscribers, events, bytes }) {
    await lg.call('sseOpen', { port, count: subscribers, topic: 's' });
    await server.call('stats');
    const cpu0 = cpuUs(server.pid);
    const pub = await server.call('burst', { topic: 's', count: events, bytes });
    const r = await lg.call('sseExpect', { expected: events, timeoutMs: 120_000 });
    const cpu = cpuUs(server.pid) - cpu0;
    return {
      'deliveries/s': r.received / ((r.lastUs - pub.firstUs) / 1e6),
      'CPU µs/delivery': cpu / r.received,
      'fan-out p50 ms': r.latencyMs.p50,
      ...integrity(r),
    };
  },

  /**
   * One subscriber per topic (`user:<i>`), each event for a random user. The publisher is
   * planned outside the measured window and kept lean (see server.mjs `perUser`); CPU is the
   * server's own `process.cpuUsage()` (µs), from the first publish until the last delivery
   * arrived, so it counts `publish()` itself and everything the deliveries cost the server.
   */
  async 'per-user'(server, lg, port, { subscribers, rate, seconds, bytes, tickMs }) {
    await lg.call('sseOpen', { port, count: subscribers, perUser: true });
    const count = Math.round(rate * seconds);
    const { perTopic } = await server.call('perUserPlan', { users: subscribers, count, bytes });
    await server.call('stats');
    const cpu0 = await server.call('cpu');
    await server.call('perUser', { rate, tickMs });
    const r = await lg.call('sseExpect', { expected: perTopic, timeoutMs: 10_000 });
    const cpu = (await server.call('cpu')) - cpu0;
    return {
      ...latencyColumns(r.latencyMs),
      'CPU µs/delivery': cpu / r.received,
      ...integrity(r),
    };
  },

  /** Interleaved (see {@link INTERLEAVED}): one slice of both poll paths, after `pollSetup`. */
  async poll(server, lg, port, { conns, seconds }, { before }) {
    const durationMs = seconds * 1000;
    const run = async (options) => {
      const cpu0 = cpuUs(server.pid);
      const r = await lg.call('poll', { port, conns, durationMs, ...options });
      return { ...r, cpuPerReq: (cpuUs(server.pid) - cpu0) / r.total };
    };
    const notModified = await run({ path: '/realtime?topic=p', conditional: true });
    const full = await run({ path: `/realtime?topic=p&cursor=${before}` });
    return {
      '304 req/s': notModified.perSec,
      '304 CPU µs/req': notModified.cpuPerReq,
      '200 req/s': full.perSec,
      '200 CPU µs/req': full.cpuPerReq,
      'wrong status':
        (notModified.statuses[304] ? 0 : 1) +
        (full.statuses[200] ? 0 : 1) +
        Object.keys(notModified.statuses).filter((s) => s !== '304').length +
        Object.keys(full.statuses).filter((s) => s !== '200').length,
    };
  },

  async 'long-poll'(server, lg, port, { waiters }) {
    const head = await server.call('head');
    await lg.call('longPollOpen', { port, count: waiters, path: `/realtime?topic=lp&cursor=${head}` });
    await waitFor(async () => (await server.call('waiting')) >= waiters, 30_000);
    await server.call('stats'); // a full GC first: request-setup garbage is not a wake-up cost
    const cpu0 = cpuUs(server.pid);
    const { firstUs, syncCpuUs, settledUs, settledCpuUs } = await server.call('wake', {
      topic: 'lp',
      bytes: 128,
    });
    const r = await lg.call('longPollWait', { count: waiters, publishUs: firstUs, timeoutMs: 30_000 });
    const cpu = cpuUs(server.pid) - cpu0;
    return {
      'wake p50 ms': r.wakeMs.p50,
      'wake p99 ms': r.wakeMs.p99,
      'wake max ms': r.wakeMs.max,
      'publish CPU ms': syncCpuUs / 1e3,
      'settled CPU ms': settledCpuUs / 1e3,
      'settled ms': settledUs / 1e3,
      'wake CPU µs/waiter': cpu / waiters,
      lost: waiters - r.withEvent,
    };
  },

  async 'resume-storm'(server, lg, port, { clients, behind, bytes }) {
    const lastEventId = await server.call('head');
    await server.call('fill', { topic: 'r', count: behind, bytes });
    const startUs = nowUs();
    await lg.call('sseOpen', {
      port,
      count: clients,
      topic: 'r',
      lastEventId,
      concurrency: clients,
      expected: behind,
    });
    const r = await lg.call('sseExpect', { expected: behind, timeoutMs: 60_000 });
    return {
      'all caught up ms': (r.lastUs - startUs) / 1e3,
      'client p50 ms': r.caughtUpMs.p50,
      'client p99 ms': r.caughtUpMs.p99,
      ...integrity(r),
    };
  },

  /**
   * Readers that keep up, under each slow-consumer policy: one burst of `burst` events
   * published back to back, then a steady `rate`/s for `seconds`, at each of
   * FAST_READER_RATES. A policy must not cost such a reader a single event.
   */
  async 'fast-readers'(server, lg, port, { readers, burst, seconds, bytes }) {
    const row = {};
    for (const rate of FAST_READER_RATES) {
      const topic = `fast-${rate}`;
      await lg.call('sseOpen', { port, count: readers, topic });
      await server.call('fill', { topic, count: burst, bytes });
      await server.call('paced', { topic, rate, count: rate * seconds, bytes, first: burst + 1 });
      const r = await lg.call('sseExpect', { expected: burst + rate * seconds, timeoutMs: 10_000 });
      const label = `${rate.toLocaleString('en-US')}/s`;
      row[`delivered % ${label}`] = (100 * (r.received - r.late)) / r.expectedTotal;
      row[`missed ${label}`] = r.missing;
      row[`resets ${label}`] = r.resets;
      await lg.call('closeAll');
    }
    return row;
  },
};

function versions() {
  const read = (path) => JSON.parse(readFileSync(here(path), 'utf8')).version;
  return {
    node: process.version,
    '@tidings/core': read('../../packages/core/package.json'),
    'better-sse': read('../../node_modules/better-sse/package.json'),
    express: read('../../node_modules/express/package.json'),
    koa: read('../../node_modules/koa/package.json'),
    fastify: read('../../node_modules/fastify/package.json'),
  };
}

/** The commit measured, marked `+ uncommitted changes` when the working tree differs. */
function revision() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../../packages'], {
      cwd: here('.'),
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} + uncommitted changes in packages/` : head;
  } catch {
    return 'unknown';
  }
}

function machine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Linux ${os.release()}, taskset ${hasTaskset ? 'yes (server CPU 0, load generator CPU 1)' : 'unavailable'}`;
}

const format = (v) =>
  !Number.isFinite(v)
    ? '–'
    : Math.abs(v) >= 100
      ? Math.round(v).toLocaleString('en-US')
      : v.toFixed(Math.abs(v) >= 10 ? 1 : 2);

/** Counts that must be 0: the table shows the worst run, with no ratio. */
const isFaultCount = (metric) =>
  ['lost', 'disordered', 'not live', 'wrong status'].includes(metric) ||
  metric.startsWith('missed') ||
  metric.startsWith('resets');
/** Delivery ratios: the table shows the worst run (the lowest), with its ratio to the floor. */
const isDeliveryRatio = (metric) => metric.startsWith('delivered %');

/** One markdown table per scenario: medians (worst runs for faults), and each contender's ratio to its baseline. */
function tables(results) {
  const out = [];
  for (const [scenario, byContender] of Object.entries(results)) {
    const metrics = Object.keys(Object.values(byContender)[0][0]);
    out.push(
      `### ${scenario}`,
      '',
      `| contender | vs | ${metrics.join(' | ')} |`,
      `|---|---|${metrics.map(() => '---:').join('|')}|`,
    );
    for (const [contender, runs] of Object.entries(byContender)) {
      const cells = metrics.map((metric) => {
        const values = runs.map((run) => run[metric]);
        if (isFaultCount(metric)) return String(Math.max(...values));
        const summary = isDeliveryRatio(metric) ? (v) => Math.min(...v) : median;
        const value = summary(values);
        const baseRuns = byContender[baselineOf(contender)];
        const base = baseRuns && summary(baseRuns.map((run) => run[metric]));
        return base ? `${format(value)} (${(value / base).toFixed(2)}×)` : format(value);
      });
      const vs = byContender[baselineOf(contender)] ? baselineOf(contender) : '';
      out.push(`| ${contender} | ${vs} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

const logRun = (scenario, label, contender, ms, metrics) =>
  console.error(
    `${scenario} #${label} ${contender} (${ms} ms): ${JSON.stringify(metrics, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(4)) : v))}`,
  );

/**
 * Hub options a scenario gives Tidings contenders. Per-user measures CPU per delivery: a
 * heartbeat (every 15 s by default, one write to each of the 10,000 streams) is not a
 * delivery, and the hand-written baselines send none, so none may fall inside its window.
 */
const HUB_OPTIONS = { 'per-user': { heartbeatMs: 600_000 } };

/** A server for `contender`, writing a CPU profile under `--profile` when asked. */
async function startServer(scenario, contender, label) {
  const profile = profileDir && [
    `--cpu-prof`,
    `--cpu-prof-dir=${profileDir}/${scenario}-${contender}-${label}`,
  ];
  const hubOptions = Object.entries(HUB_OPTIONS[scenario] ?? {}).map(([k, v]) => `${k}=${v}`);
  const server = startProcess('server.mjs', [contender, ...hubOptions], 0, profile || []);
  const { port } = await server.ready;
  return { server, port };
}

/** Each repeat: every contender in turn, each in a fresh server process. */
async function runAlternating(scenario, contenders, runs) {
  for (let round = 0; round < repeats; round++) {
    for (const contender of contenders) {
      const runStarted = Date.now();
      const { server, port } = await startServer(scenario, contender, round + 1);
      try {
        const metrics = await SCENARIOS[scenario](server, loadgen, port, sizes[scenario]);
        runs[contender].push(metrics);
        logRun(scenario, round + 1, contender, Date.now() - runStarted, metrics);
      } finally {
        await loadgen.call('closeAll');
        await server.stop();
      }
    }
  }
}

/** Each repeat: one server per contender, all at once, then `slices` alternating slices. */
async function runInterleaved(scenario, contenders, runs) {
  const { setup, slices } = INTERLEAVED[scenario];
  for (let round = 0; round < repeats; round++) {
    const servers = [];
    try {
      for (const contender of contenders) {
        const started = await startServer(scenario, contender, round + 1);
        servers.push({ contender, ...started, state: await setup(started.server) });
      }
      for (let slice = 0; slice <= slices(sizes[scenario]); slice++) {
        for (const { contender, server, port, state } of servers) {
          const sliceStarted = Date.now();
          const metrics = await SCENARIOS[scenario](server, loadgen, port, sizes[scenario], state);
          await loadgen.call('closeAll');
          if (slice === 0) continue; // warm-up
          runs[contender].push(metrics);
          logRun(scenario, `${round + 1}.${slice}`, contender, Date.now() - sliceStarted, metrics);
        }
      }
    } finally {
      await Promise.all(servers.map(({ server }) => server.stop()));
    }
  }
}

killChildrenOnExit();
const loadgen = startProcess('loadgen.mjs', [], 1);
await loadgen.ready;
const results = {};
const started = Date.now();
for (const scenario of scenarios) {
  // `--contenders` in the order given (`<name>@base` beside `<name>`), else every one of the scenario.
  const contenders = onlyContenders
    ? onlyContenders.filter((c) => CONTENDERS_OF[scenario].includes(c.replace('@base', '')))
    : CONTENDERS_OF[scenario];
  results[scenario] = Object.fromEntries(contenders.map((c) => [c, []]));
  if (INTERLEAVED[scenario]) await runInterleaved(scenario, contenders, results[scenario]);
  else await runAlternating(scenario, contenders, results[scenario]);
}
await loadgen.stop();

const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
const report = [
  '# Tidings benchmark results',
  '',
  `- Date: ${new Date().toISOString()}`,
  `- Machine: ${machine()}`,
  `- Code: ${revision()} (packages as built into dist/ by \`npm run bench\`)`,
  `- Versions: ${Object.entries(versions())
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`,
  `- Command: \`${command}\` (${repeats} repeat${repeats > 1 ? 's' : ''}, contenders alternating; cells are medians, (n×) is the ratio to the contender named under \`vs\` (its own framework's hand-written baseline; the node:http \`floor\` for the hand-written framework routes); \`lost\`/\`disordered\`/\`missed\`/\`resets\` and \`delivered %\` are the worst run)`,
  `- Sizes: \`${JSON.stringify(Object.fromEntries(scenarios.map((s) => [s, sizes[s]])))}\``,
  `- Took ${Math.round((Date.now() - started) / 1000)} s`,
  '',
  tables(results),
].join('\n');
console.log(report);
if (flag('write')) {
  // The Scale section is written by hand from `npm run bench:scale` runs: keep it.
  const path = here('../RESULTS.md');
  const scale = readFileSync(path, 'utf8').split(/^(?=## Scale)/m)[1];
  writeFileSync(path, `${report}\n${scale ? `\n${scale}` : ''}`);
}
