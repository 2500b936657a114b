/**
 * One load-generator process of the scale scenario, driven by the runner over IPC. It holds
 * its share of the subscribers — SSE, or long-poll for every `lpEvery`-th — each on its own
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
  const socket = net.connect({ host: '127.0.0.1', port: ports[sub.node], localAddress });
  sub.socket = socket;
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    connecting--;
    pump();
  };
  socket.setNoDelay(true);
  // In flight until the first answer bytes: a node too busy to accept is not sent more at once.
  socket.once('data', settle);
  socket.once('connect', () => {
    if (!sub.sse) return sub.conn.attach(socket);
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
    // the next node round the ring, spread by user so a dead node's clients go everywhere
    const step = 1 + (Math.floor(sub.u / ports.length) % (ports.length - 1));
    sub.node = (sub.node + (sub.moves === 0 ? step : 1)) % ports.length;
    sub.moves++;
    setTimeout(() => {
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

serveCommands({
  /** Opens subscribers `users` to the nodes at `ports` (user u on node u % nodes); resolves when all are live. */
  async open(args) {
    ({ ports, localAddress, jitterMs } = args);
    concurrency = args.concurrency ?? 256;
    const started = nowUs();
    subs = args.users.map((u, i) => ({
      u,
      node: u % ports.length,
      sse: i % args.lpEvery !== 0,
      moves: 0,
      conn:
        i % args.lpEvery !== 0
          ? new SseConn(recorder)
          : new LongPollConn(recorder, `topic=user:${u}&topic=broadcast`, args.waitSeconds),
    }));
    queue.push(...subs);
    pump();
    // a refusal (429, 503…) fails the run at once rather than at the deadline
    await until(() => subs.every(isLive) || status().errors > 0, args.timeoutMs);
    return { ...status(), ms: (nowUs() - started) / 1e3 };
  },

  status,

  /** Waits until all subscribers are live again; when the last one was, µs. */
  async settled({ timeoutMs }) {
    await until(() => queue.length === 0 && connecting === 0 && subs.every(isLive), timeoutMs);
    return { ...status(), atUs: nowUs() };
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
