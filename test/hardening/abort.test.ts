import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { type Broker, type Hub, MemoryBroker, tokenAuth } from '@tidings/core';
import { realtime } from '@tidings/express';
import { realtime as nodeRealtime } from '@tidings/node';
import express from 'express';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../conformance/adapters.js';
import type { AppOptions, StartedApp } from '../conformance/harness.js';
import { listen } from '../helpers/server.js';

/**
 * Clients that hang up at random moments, and during each asynchronous step between a
 * request's arrival and its registration (async middleware, RS256 token verification, async
 * `topics`, async `authorize`, the history read), for SSE and long-poll, on every adapter.
 * Afterwards nothing is left: no connection, limiter slot, heartbeat member or topic channel.
 * `ABORT_REQUESTS` sets the number of randomly timed aborts per adapter (default 300).
 */
const RANDOM_REQUESTS = Number(process.env.ABORT_REQUESTS ?? 300);
/** Requests aborted during each (step, transport) pair, per adapter. */
const PER_STEP = 15;
const CONCURRENCY = 20;

type Step = 'middleware' | 'tokenAuth' | 'topics' | 'authorize' | 'history';
type Kind = 'sse' | 'longPoll';
/** How request `id` ends: hung up after `delayMs`, or as soon as `step` runs. */
type Plan = { id: number; kind: Kind } & ({ delayMs: number } | { step: Step });

const STEPS: Step[] = ['tokenAuth', 'topics', 'authorize', 'history'];

/** One test target: how to start it and how a client hangs up on it. */
interface Target {
  readonly name: string;
  /** Steps it has beyond the handler's own (the async middleware in front). */
  readonly extraSteps?: Step[];
  start(options: AppOptions): Promise<StartedApp>;
  /** Sends the request, hangs up once `hangUp` resolves (or the answer came), resolves when gone. */
  request(
    app: StartedApp,
    path: string,
    headers: Record<string, string>,
    hangUp: Promise<void>,
  ): Promise<void>;
}

// ---- what the server-side steps wait for, per request id -------------------------------------

const plans = new Map<number, Plan>();
/** Resolves when the server saw request `id`'s response close. */
const serverClosed = new Map<number, Promise<void>>();
/** Resolved by a step to tell request `id`'s client to hang up now. */
const hangUpNow = new Map<number, () => void>();
let reachedSteps = 0;

const idOf = (topics: readonly string[]) => {
  for (const topic of topics) if (topic.startsWith('abort-')) return Number(topic.slice(6));
  return undefined;
};

/** Records when the response of the request carrying `url` closes, from the moment the server has it. */
function watchResponse(
  url: string | undefined,
  res: { once(event: 'close', listener: () => void): unknown },
) {
  const id = idOf(new URLSearchParams((url ?? '').split('?')[1] ?? '').getAll('topic'));
  if (id === undefined) return;
  serverClosed.set(id, new Promise((resolve) => res.once('close', () => resolve())));
}

/** HTTP/1 requests of every framework, seen as node sees them before any middleware. */
function onRequestStart(message: unknown) {
  const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
  watchResponse(request.url, response);
}

/** The async work of `step` for request `id`: a random pause, or the client hanging up during it. */
async function step(name: Step, id: number | undefined): Promise<void> {
  const plan = id === undefined ? undefined : plans.get(id);
  if (plan === undefined) return;
  if ('delayMs' in plan) {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    return;
  }
  if (plan.step !== name) return;
  const closed = serverClosed.get(plan.id);
  if (closed === undefined) throw new Error(`request ${plan.id} reached ${name} unseen by the test`);
  reachedSteps++;
  hangUpNow.get(plan.id)?.();
  // Resume only once the server saw the hang-up: the request is closed when the next step runs.
  await closed;
}

// ---- the app: every async step instrumented --------------------------------------------------

let keys: { publicKey: KeyObject; privateKey: KeyObject };
const broker = new MemoryBroker();
/** The history read is a step too. */
const gatedBroker: Broker = {
  publish: (request) => broker.publish(request),
  head: () => broker.head(),
  subscribe: (topic, listener) => broker.subscribe(topic, listener),
  close: async () => {},
  history: async (topics, after, limit) => {
    await step('history', idOf(topics));
    return broker.history(topics, after, limit);
  },
};
const listeners = () => (broker as unknown as { listeners: Map<string, Set<unknown>> }).listeners.size;

function appOptions(): AppOptions {
  return {
    broker: gatedBroker,
    heartbeatMs: 1_000,
    connectionKey: () => 'one-key',
    auth: tokenAuth({
      algorithms: ['RS256'],
      keys: async (header) => {
        await step('tokenAuth', header.kid === undefined ? undefined : Number(header.kid));
        return keys.publicKey;
      },
    }),
    topics: async (_ctx, requested) => {
      await step('topics', idOf(requested));
      return requested;
    },
    authorize: async (_ctx, topics) => {
      await step('authorize', idOf(topics));
      return true;
    },
  };
}

// ---- clients ---------------------------------------------------------------------------------

/** HTTP/1.1 on a raw socket, so a hang-up is exactly a socket destroy. */
function http1Request(app: StartedApp, path: string, headers: Record<string, string>, hangUp: Promise<void>) {
  return new Promise<void>((resolve) => {
    const { port } = new URL(app.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    socket.once('close', () => resolve());
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`GET ${new URL(app.url).pathname}${path} HTTP/1.1\r\nHost: x\r\n${lines.join('')}\r\n`);
    const end = () => socket.destroy();
    void hangUp.then(end);
    // A request refused before its planned step (a bug) must not hang the test: the check counts steps reached.
    socket.once('data', end);
  });
}

const http1 = (
  name: string,
  start: (options: AppOptions) => Promise<StartedApp>,
  extraSteps?: Step[],
): Target => ({
  name,
  extraSteps,
  start,
  request: http1Request,
});

/**
 * Client sessions the HTTP/2 requests are spread over, round robin. Node's server answers a
 * session that resets streams in bulk (HTTP/2 "rapid reset", CVE-2023-44487) with GOAWAY after
 * about a thousand; here each session cancels a few hundred at most.
 */
const H2_SESSIONS = 8;

/** node:http2 (h2c): a hang-up is an RST_STREAM (CANCEL) on a session that stays up. */
function http2Target(): Target {
  let sessions: http2.ClientHttp2Session[] = [];
  let opened = 0;
  return {
    name: 'node:http2',
    async start(options) {
      const rt = nodeRealtime(options);
      const server = http2.createServer((req, res) => {
        watchResponse(req.url, res);
        void rt(req, res);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realtime`;
      sessions = Array.from({ length: H2_SESSIONS }, () => http2.connect(url).on('error', () => {}));
      await Promise.all(sessions.map((session) => once(session, 'connect')));
      return {
        url,
        hub: rt.hub,
        close: async () => {
          for (const session of sessions) session.destroy();
          await rt.close();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
    request(_app, path, headers, hangUp) {
      return new Promise<void>((resolve) => {
        const session = sessions[opened++ % sessions.length] as http2.ClientHttp2Session;
        const stream = session.request({ ':path': `/realtime${path}`, ...headers });
        stream.on('error', () => {});
        stream.once('close', () => resolve());
        // Read what arrives: unread DATA would exhaust the session's flow-control window.
        stream.resume();
        const end = () => stream.close(http2.constants.NGHTTP2_CANCEL);
        void hangUp.then(end);
        stream.once('response', end);
      });
    },
  };
}

/** Express with an async middleware in front of the adapter (a session store, a rate limiter…). */
async function expressWithAsyncMiddleware(options: AppOptions): Promise<StartedApp> {
  const app = express();
  app.use(async (req, _res, next) => {
    await step('middleware', idOf(new URLSearchParams(req.url.split('?')[1] ?? '').getAll('topic')));
    next();
  });
  const rt = realtime(options);
  app.use('/realtime', rt);
  const server = await listen(app);
  return {
    url: `${server.url}/realtime`,
    hub: rt.hub,
    close: async () => {
      await rt.close();
      await server.close();
    },
  };
}

const targets: Target[] = [
  ...adapters.map((adapter) => http1(adapter.name, (options) => adapter.start(options))),
  http1('express + async middleware', expressWithAsyncMiddleware, ['middleware']),
  http2Target(),
];

// ---- the run ---------------------------------------------------------------------------------

let nextId = 0;
let cursor = '';
const shared = new Map<string, string>();

async function token(kid: string): Promise<string> {
  let signed = shared.get(kid);
  if (signed === undefined) {
    signed = await new SignJWT({ topics: ['abort-*', 'shared'] })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setExpirationTime('10m')
      .sign(keys.privateKey);
    // Per-request tokens are used once; only the shared one is worth keeping.
    if (kid === 'shared') shared.set(kid, signed);
  }
  return signed;
}

async function send(target: Target, app: StartedApp, plan: Plan): Promise<void> {
  plans.set(plan.id, plan);
  let hangUp: () => void = () => {};
  const hungUp = new Promise<void>((resolve) => {
    hangUp = resolve;
  });
  hangUpNow.set(plan.id, hangUp);
  if ('delayMs' in plan) setTimeout(hangUp, plan.delayMs);
  const perRequestToken = 'step' in plan && plan.step === 'tokenAuth';
  const headers: Record<string, string> = {
    authorization: `Bearer ${await token(perRequestToken ? String(plan.id) : 'shared')}`,
    'last-event-id': cursor,
  };
  if (plan.kind === 'sse') headers.accept = 'text/event-stream';
  const wait = plan.kind === 'longPoll' ? '&wait=30' : '';
  await target.request(app, `?topic=abort-${plan.id}&topic=shared${wait}`, headers, hungUp);
  plans.delete(plan.id);
  hangUpNow.delete(plan.id);
  serverClosed.delete(plan.id);
}

async function run(target: Target, app: StartedApp, queue: Plan[]): Promise<void> {
  const worker = async () => {
    for (let plan = queue.shift(); plan !== undefined; plan = queue.shift()) await send(target, app, plan);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

function plansFor(target: Target): { random: Plan[]; during: Plan[] } {
  const kinds: Kind[] = ['sse', 'longPoll'];
  const random = Array.from({ length: RANDOM_REQUESTS }, (_, i) => ({
    id: nextId++,
    kind: kinds[i % 2] as Kind,
    delayMs: Math.random() * 4,
  }));
  const during: Plan[] = [];
  for (const name of [...(target.extraSteps ?? []), ...STEPS])
    for (const kind of kinds)
      for (let i = 0; i < PER_STEP; i++) during.push({ id: nextId++, kind, step: name });
  return { random, during };
}

/** What an aborted request could leave behind; all zero at baseline. */
function leftovers(hub: Hub) {
  const { connections, topics } = hub.stats();
  const limiter = hub.limiter.snapshot();
  return {
    connections: connections.sse + connections.longPoll + connections.poll,
    slots: limiter.open,
    longPollSlots: limiter.longPolls,
    keys: limiter.keys,
    heartbeat: hub.heartbeat.size,
    topics,
    brokerListeners: listeners(),
  };
}

const BASELINE = {
  connections: 0,
  slots: 0,
  longPollSlots: 0,
  keys: 0,
  heartbeat: 0,
  topics: 0,
  brokerListeners: 0,
};

beforeAll(async () => {
  keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  subscribe('http.server.request.start', onRequestStart);
  cursor = (await broker.publish({ topic: 'shared', event: undefined, data: 'history to replay' })).id;
});
afterAll(() => {
  unsubscribe('http.server.request.start', onRequestStart);
});

describe.each(targets)('aborted requests leave nothing behind: $name', (target) => {
  it(`${RANDOM_REQUESTS} at random moments, ${PER_STEP} per async step and transport`, async () => {
    const app = await target.start(appOptions());
    try {
      const { random, during } = plansFor(target);
      const total = random.length + during.length;
      const planned = during.length;
      reachedSteps = 0;
      await run(target, app, random);
      await run(target, app, during);
      // Every planned hang-up really happened during its step.
      expect(reachedSteps).toBe(planned);
      const settled = expect.poll(() => leftovers(app.hub), { timeout: 30_000 }).toEqual(BASELINE);
      await settled.catch(() => {});
      const left = leftovers(app.hub);
      console.info(
        `abort: ${target.name}: ${total} aborted requests (${planned} during a step), leaked slots ${left.slots}; ` +
          `left ${JSON.stringify(left)}; disconnects ${JSON.stringify(app.hub.stats().disconnects)}`,
      );
      expect(left).toEqual(BASELINE);
      // Still serving: a poll is answered (and, like every request here, ends with its answer).
      await target.request(
        app,
        `?topic=abort-${nextId++}`,
        { authorization: `Bearer ${await token('shared')}` },
        new Promise(() => {}),
      );
      expect(app.hub.stats().polls.ok).toBe(1);
    } finally {
      await app.close();
    }
  }, 180_000);
});
