import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

const fmt = (v) =>
  typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(v);
/** Client round trips among Redis commands: INFO commandstats also counts commands run inside scripts. */
const TRIPS = ['evalsha', 'eval', 'subscribe', 'unsubscribe'];
const ops = (o) =>
  `${fmt(o.total)}${
    'evalsha' in o
      ? `, of which ${fmt(TRIPS.reduce((a, k) => a + (o[k] ?? 0), 0))} round trips (EVAL*/[UN]SUBSCRIBE), the rest inside scripts`
      : ''
  } (${Object.entries(o)
    .filter(([k, v]) => k !== 'total' && v >= 0.01)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ')})`;
const integrity = (p) =>
  `lost ${fmt(p.missing)}, duplicated or reordered ${fmt(p.duplicatedOrReordered)}, errors ${fmt(p.errors)}, live ${fmt(p.live)}`;

/** The commit measured, marked when packages/ or bench/ differ from it. */
export function revision() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', ':/packages', ':/bench'], {
      encoding: 'utf8',
    });
    return dirty.trim() ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
}

/** The scale scenario's report as markdown, for bench/RESULTS.md. */
export function markdown(r) {
  const idle = r.idle
    .map(
      (n, i) =>
        `| ${i} | ${fmt(n.conns)} | ${fmt(n['RSS MB'])} | ${fmt(n['RSS MB/10k'])} | ${fmt(n['CPU ms/s per 10k'])} |`,
    )
    .join('\n');
  return `### ${fmt(r.subscribers)} subscribers on ${r.nodes} nodes, ${r.broker}

- Command: \`${r.command}\` at ${r.commit}, ${r.date}
- Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB; load average ${r.loadBefore.join(' / ')} before, ${r.loadAfter?.join(' / ')} after
- ${fmt(r.subscribers - r.longPoll)} SSE + ${fmt(r.longPoll)} long-poll subscribers from ${r.workers} load-generator processes; ${r.ok ? 'all checks passed' : '**checks failed**'}

| figure | value |
|---|---|
| connect all | ${fmt(r.connect.ms / 1000)} s (${fmt(Math.round(r.subscribers / (r.connect.ms / 1000)))}/s); per node ${r.connect.perNode.map(fmt).join(', ')}; nodes' CPU ${fmt(r.connect.nodeCpuMsPerSubscriber)} ms and the broker's ${fmt(r.connect.brokerCpuMsPerSubscriber)} ms per connect |
| broker ops per connect | ${ops(r.connect.brokerOpsPerSubscriber)} |
| per-user ${fmt(r.perUser.rate)}/s for ${fmt(r.perUser.published)} events (achieved ${fmt(r.perUser.achievedRate)}/s) | p50 ${fmt(r.perUser.latencyMs.p50)} ms, p99 ${fmt(r.perUser.latencyMs.p99)} ms, max ${fmt(r.perUser.latencyMs.max)} ms; ${integrity(r.perUser)} |
| broker ops per publish | ${ops(r.perUser.brokerOpsPerPublish)} |
| broker CPU per publish | ${fmt(r.perUser.brokerCpuUsPerPublish)} µs (the broker process's CPU time over the phase, whatever it did, / publishes) |
| one broadcast to all | last delivery ${fmt(r.broadcast.lastDeliveryMs)} ms, p50 ${fmt(r.broadcast.latencyMs.p50)} ms, p99 ${fmt(r.broadcast.latencyMs.p99)} ms; ${integrity(r.broadcast)} |
| SIGKILL of node ${r.nodes - 1} | its ${fmt(r.kill.victims)} clients (and ${fmt(r.kill.moved - r.kill.victims)} others whose connection broke meanwhile) reconnected elsewhere, ${fmt(r.kill.resumed)} of ${fmt(r.kill.moved)} live again all within ${fmt(r.kill.allResumedMs / 1000)} s of the kill (${fmt(Math.round(r.kill.victims / (r.kill.allResumedMs / 1000)))}/s; nodes' CPU ${fmt(r.kill.nodeCpuMsPerResume)} ms and the broker's ${fmt(r.kill.brokerCpuMsPerResume)} ms per resume, per-user traffic included); after ${fmt(r.kill.publishedMeanwhile)} per-user events meanwhile and a second broadcast: ${integrity(r.kill)} |
| broker ops per resume | ${ops(r.kill.brokerOpsPerResume)} (includes the publishes made meanwhile) |

Idle, per node, over ${fmt(r.idleSeconds)} s (one heartbeat period):

| node | conns | RSS MB | RSS MB per 10k conns | CPU ms/s per 10k conns |
|---|---:|---:|---:|---:|
${idle}
`;
}
