/**
 * The load generator: a separate process (pinned to its own core by the runner) that opens
 * raw sockets, parses SSE incrementally and counts every delivery per subscriber.
 * Driven by the runner over IPC.
 */
import net from 'node:net';
import { nowUs, sleep } from './clock.mjs';
import { etagOf, HttpConn } from './http-conn.mjs';
import { serveCommands } from './process.mjs';
import { Recorder } from './recorder.mjs';
import { SseConn } from './sse-conn.mjs';
import { summarize } from './stats.mjs';

let sockets = [];
let sse = [];
let recorder = new Recorder();
let openedUs = 0;
/** Long-polls: receive time of each response, and how many carried an event. */
let wakes = [];

const request = (path, headers) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

/** Opens `count` sockets with at most `concurrency` connects in flight; `setup` wires each. */
async function connectMany(port, count, concurrency, setup) {
  let next = 0;
  let failed = 0;
  await new Promise((resolve) => {
    let inFlight = 0;
    const pump = () => {
      while (inFlight < concurrency && next < count) {
        const index = next++;
        inFlight++;
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.setNoDelay(true);
        sockets.push(socket);
        const settle = () => {
          inFlight--;
          if (next === count && inFlight === 0) resolve();
          else pump();
        };
        socket.once('connect', () => {
          setup(socket, index);
          settle();
        });
        socket.once('error', () => {
          failed++;
          if (!socket.connecting) return;
          settle();
        });
      }
    };
    if (count === 0) resolve();
    else pump();
  });
  return failed;
}

async function until(test, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!test() && Date.now() < deadline) await sleep(10);
  return test();
}

const commands = {
  /** Opens SSE subscribers; resolves once every one is live (head and first body bytes in). */
  async sseOpen({ port, count, topic, perUser, lastEventId, concurrency = 256, fanout = false, expected }) {
    recorder = new Recorder();
    recorder.trackFanout = fanout;
    sse = [];
    openedUs = nowUs();
    const headers = { accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const failed = await connectMany(port, count, concurrency, (socket, i) => {
      const conn = new SseConn(recorder);
      if (expected !== undefined) conn.expected = expected;
      sse[i] = conn;
      socket.on('data', (buf) => conn.feed(buf));
      socket.write(request(`/realtime?topic=${perUser ? `user:${i}` : topic}`, headers));
    });
    const live = await until(() => sse.filter((c) => c?.live).length === count, 60_000);
    return { failed, live, ms: (nowUs() - openedUs) / 1e3 };
  },

  /** Waits until every subscriber got its expected events (or the timeout); reports counts and latencies. */
  async sseExpect({ expected, timeoutMs }) {
    sse.forEach((conn, i) => {
      conn.expected = Array.isArray(expected) ? expected[i] : expected;
      if (conn.doneUs === 0 && conn.received - conn.late >= conn.expected) {
        conn.doneUs = nowUs();
        recorder.done++;
      }
    });
    await until(() => recorder.done >= sse.length, timeoutMs);
    let expectedTotal = 0;
    let received = 0;
    let late = 0;
    let gaps = 0;
    let missing = 0;
    let resets = 0;
    let lastUs = 0;
    const doneMs = [];
    for (const conn of sse) {
      expectedTotal += conn.expected;
      received += conn.received;
      late += conn.late;
      gaps += conn.gaps;
      missing += Math.max(0, conn.expected - (conn.received - conn.late));
      resets += conn.resets;
      if (conn.doneUs > lastUs) lastUs = conn.doneUs;
      if (conn.doneUs > 0) doneMs.push((conn.doneUs - openedUs) / 1e3);
    }
    const latencyMs = summarize(Array.from(recorder.latencies(), (us) => us / 1e3));
    const fanoutMs = summarize([...recorder.fanout.values()].map((f) => (f.lastUs - f.sentUs) / 1e3));
    return {
      conns: sse.length,
      expectedTotal,
      received,
      late,
      gaps,
      missing,
      resets,
      lastUs,
      latencyMs,
      fanoutMs,
      caughtUpMs: summarize(doneMs),
    };
  },

  /** Keep-alive poll loop: `conns` sockets each sending `path` back to back for `durationMs`. */
  async poll({ port, conns, durationMs, path, conditional }) {
    const statuses = {};
    let total = 0;
    let stop = false;
    const started = nowUs();
    const finished = [];
    await connectMany(port, conns, conns, (socket) => {
      let req = request(path, {});
      let learning = conditional;
      const conn = new HttpConn((status, head) => {
        if (learning) {
          learning = false;
          req = request(path, { 'if-none-match': etagOf(head) });
        } else {
          statuses[status] = (statuses[status] ?? 0) + 1;
          total++;
        }
        if (stop) finished.push(socket.end());
        else socket.write(req);
      });
      socket.on('data', (buf) => conn.feed(buf));
      socket.write(req);
    });
    await sleep(durationMs);
    stop = true;
    const elapsed = (nowUs() - started) / 1e6;
    await until(() => finished.length === conns, 5000);
    closeAll();
    return { perSec: total / elapsed, total, statuses };
  },

  /** Opens `count` long-polls on `path`; resolves once every request is written. */
  async longPollOpen({ port, count, path }) {
    wakes = [];
    const failed = await connectMany(port, count, 256, (socket) => {
      const conn = new HttpConn((status, _head, body) => {
        wakes.push({ us: nowUs(), status, event: body.includes('"data"') });
      });
      socket.on('data', (buf) => conn.feed(buf));
      socket.write(request(path, { prefer: 'wait=30' }));
    });
    return { failed };
  },

  /** Waits for `count` long-poll answers; wake latency relative to `publishUs`. */
  async longPollWait({ count, publishUs, timeoutMs }) {
    await until(() => wakes.length >= count, timeoutMs);
    return {
      answered: wakes.length,
      withEvent: wakes.filter((w) => w.status === 200 && w.event).length,
      wakeMs: summarize(wakes.map((w) => (w.us - publishUs) / 1e3)),
    };
  },

  closeAll() {
    closeAll();
    return {};
  },
};

function closeAll() {
  for (const socket of sockets) socket.destroy();
  sockets = [];
}

serveCommands(commands);
process.send({ ready: true });
