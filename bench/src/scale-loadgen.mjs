/**
 * One load-generator process of the scale scenario, driven by the runner over IPC. It holds
 * its share of the subscribers — SSE, or long-poll for those the runner says — each on its own
 * socket from its own loopback source address, on `user:<u>` and `broadcast`. A subscriber
 * whose connection closes reconnects, after a random delay below `jitterMs` (as a client's
 * `retry:` plus jitter), to another node with its `Last-Event-ID` (SSE) or cursor (long-poll).
 */
import net from 'node:net';
import { nowUs, sleep } from './clock.mjs';
import { LongPollConn } from './long-poll-conn.mjs';
import { serveCommands } from './process.mjs';
import { Recorder } from './recorder.mjs';
import { SseConn } from './sse-conn.mjs';
import { summarize } from './stats.mjs';

let recorder = new Recorder();
/** @type {{ u: number, node: number, sse: boolean, conn: SseConn | LongPollConn, moves: number, socket?: net.Socket }[]} */
let subs = [];
let ports = [];
let localAddress;
let jitterMs = 0;
let stopping = false;
const queue = [];
let connecting = 0;
let concurrency = 256;

function pump() {
  while (connecting < concurrency && queue.length > 0) connect(queue.shift());
}

function connect(sub) {
  connecting++;
  sub.startUs = nowUs();
  const socket = net.connect({ host: '127.0.0.1', port: ports[sub.node], localAddress });
  sub.socket = socket;
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    sub.settledUs = nowUs();
    connecting--;
    pump();
  };
  socket.setNoDelay(true);
  // In flight until the first answer bytes: a node too busy to accept is not sent more at once.
  socket.once('data', settle);
  socket.once('connect', () => {
    if (!sub.sse) {
      const resuming = sub.conn.cursor !== undefined;
      sub.conn.attach(socket);
      // A long-poll from a cursor is answered by the next event or at the end of its wait (30 s):
      // held until then, its slot would starve every other reconnect (issue 17: 155 s to resume
      // 12,500 clients). It leaves the gate once sent; the runner waits for the nodes to count it.
      if (resuming) settle();
      return;
    }
    sub.conn.reset();
    socket.on('data', (buf) => sub.conn.feed(buf));
    const resume = sub.conn.lastId === undefined ? '' : `Last-Event-ID: ${sub.conn.lastId}\r\n`;
    socket.write(
      `GET /realtime?topic=user:${sub.u}&topic=broadcast HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${resume}\r\n`,
    );
  });
  socket.on('error', () => {}); // 'close' follows
  socket.once('close', () => {
    settle();
    if (stopping) return;
    sub.closedUs = nowUs();
    // Not live until the reconnect is (else a closed subscriber would pass for a resumed one).
    sub.conn.live = false;
    // the next node round the ring, spread by user so a dead node's clients go everywhere
    const step = 1 + (Math.floor(sub.u / ports.length) % (ports.length - 1));
    sub.node = (sub.node + (sub.moves === 0 ? step : 1)) % ports.length;
    sub.moves++;
    setTimeout(() => {
      sub.queuedUs = nowUs();
      queue.push(sub);
      pump();
    }, Math.random() * jitterMs);
  });
}

const isLive = (sub) => sub.conn.live && (!sub.sse || sub.conn.status === 200);

async function until(test, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!test() && Date.now() < deadline) await sleep(25);
  return test();
}

/** Counts over all subscribers. */
function status() {
  let live = 0;
  let moved = 0;
  let movedLive = 0;
  let errors = 0;
  for (const sub of subs) {
    const ok = isLive(sub);
    if (ok) live++;
    if (sub.moves > 0) {
      moved++;
      if (ok) movedLive++;
    }
    errors += sub.sse ? sub.conn.resets : sub.conn.errors;
    if (sub.sse && sub.conn.status !== 0 && sub.conn.status !== 200) errors++;
  }
  return { subscribers: subs.length, live, moved, movedLive, errors };
}

/**
 * Where the moved subscribers' reconnects spent their time, per transport (ms, p50/p99/max):
 * `backoff` the random reconnect delay, `queued` waiting for a connect slot (at most
 * `concurrency` in flight), `inFlight` the slot held (to the first answer byte; a long-poll
 * from a cursor, to its request sent),
 * `toLive` from the close to live again (25 ms resolution).
 */
function resumePhases() {
  const phases = (moved) => {
    const ms = (f) => {
      const s = summarize(moved.map(f));
      return { p50: round(s.p50), p99: round(s.p99), max: round(s.max) };
    };
    return {
      n: moved.length,
      backoff: ms((s) => (s.queuedUs - s.closedUs) / 1e3),
      queued: ms((s) => (s.startUs - s.queuedUs) / 1e3),
      inFlight: ms((s) => (s.settledUs - s.startUs) / 1e3),
      toLive: ms((s) => (s.liveUs - s.closedUs) / 1e3),
    };
  };
  const moved = subs.filter((s) => s.moves > 0 && s.settledUs > s.startUs);
  return { sse: phases(moved.filter((s) => s.sse)), longPoll: phases(moved.filter((s) => !s.sse)) };
}
const round = (v) => Math.round(v);

serveCommands({
  /**
   * Opens subscribers `users` (those in `longPoll` over long-poll, the rest SSE) to the nodes at
   * `ports` (user u on node u % nodes); resolves when all are live.
   */
  async open(args) {
    ({ ports, localAddress, jitterMs } = args);
    concurrency = args.concurrency ?? 256;
    const started = nowUs();
    const longPoll = new Set(args.longPoll);
    subs = args.users.map((u) => ({
      u,
      node: u % ports.length,
      sse: !longPoll.has(u),
      moves: 0,
      conn: longPoll.has(u)
        ? new LongPollConn(recorder, `topic=user:${u}&topic=broadcast`, args.waitSeconds)
        : new SseConn(recorder),
    }));
    queue.push(...subs);
    pump();
    // a refusal (429, 503…) fails the run at once rather than at the deadline
    await until(() => subs.every(isLive) || status().errors > 0, args.timeoutMs);
    return { ...status(), ms: (nowUs() - started) / 1e3 };
  },

  status,

  /** Waits until all subscribers are live again (`done`, else timed out); when the last one was, µs. */
  async settled({ timeoutMs }) {
    const seen = (sub) => {
      if (sub.moves > 0 && sub.liveUs < sub.closedUs && isLive(sub)) sub.liveUs = nowUs();
    };
    for (const sub of subs) sub.liveUs = 0;
    const done = await until(() => {
      subs.forEach(seen);
      return queue.length === 0 && connecting === 0 && subs.every(isLive);
    }, timeoutMs);
    subs.forEach(seen);
    return { ...status(), done, atUs: nowUs(), resumes: resumePhases() };
  },

  /** A fresh latency recorder and move count, for the next phase. */
  phase() {
    recorder = new Recorder();
    for (const sub of subs) {
      sub.conn.recorder = recorder;
      sub.moves = 0;
    }
    return {};
  },

  /**
   * Waits until every subscriber received `perUser[u] + broadcasts` events (or the timeout);
   * reports what is missing, duplicated or reordered, and this phase's latencies (ms).
   */
  async expect({ perUser, broadcasts, timeoutMs }) {
    for (const sub of subs) sub.conn.expected = perUser[sub.u] + broadcasts;
    const complete = (sub) => sub.conn.received - sub.conn.late >= sub.conn.expected;
    await until(() => subs.every(complete), timeoutMs);
    let missing = 0;
    let late = 0;
    let gaps = 0;
    for (const sub of subs) {
      missing += Math.max(0, sub.conn.expected - (sub.conn.received - sub.conn.late));
      late += sub.conn.late;
      gaps += sub.conn.gaps;
    }
    const latenciesMs = Array.from(recorder.latencies(), (us) => Math.round(us / 10) / 100);
    return { ...status(), missing, late, gaps, latenciesMs };
  },

  close() {
    stopping = true;
    for (const sub of subs) sub.socket?.destroy();
    return {};
  },
});
process.send({ ready: true });
