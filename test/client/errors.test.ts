import { createServer } from 'node:net';
import { type ErrorInfo, type SubscribeOptions, subscribe } from '@tidings/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ClientTestApp, startApp } from './app.js';
import { range, record } from './recorder.js';

let app: ClientTestApp;
const subs: { close(): void }[] = [];

beforeEach(async () => {
  // closeAfterResponse: so the buffering proxy of the stall test releases each poll at once.
  app = await startApp({
    closeAfterResponse: true,
    retryMs: 100,
    retryJitterMs: 100,
    poll: { minIntervalMs: 50, maxIntervalMs: 200 },
  });
});
afterEach(async () => {
  for (const sub of subs.splice(0)) sub.close();
  await app.close();
});

/** A subscription whose `onError` calls are recorded, with a way to wait for a condition. */
function watched(url: string, options: SubscribeOptions<{ message: { n: number } }>) {
  const errors: { error: Error; info: ErrorInfo }[] = [];
  const numbers: number[] = [];
  const sub = subscribe<{ message: { n: number } }>(url, {
    topics: ['t'],
    onEvent: (event) => numbers.push(event.data.n),
    ...options,
    onError: (error, info) => errors.push({ error, info }),
  });
  subs.push(sub);
  return { sub, errors, numbers };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a callback that throws is the app’s bug, not a broken connection', () => {
  it.each(['sse', 'long-poll', 'poll'] as const)(
    'over %s, onEvent’s exception reaches onError and the connection carries on',
    async (transport) => {
      const { sub, errors, numbers } = watched(app.url, {
        transport,
        onEvent(event) {
          numbers.push(event.data.n);
          throw new Error(`bad handler ${event.data.n}`);
        },
      });
      await expect.poll(() => sub.lastEventId, { timeout: 10_000 }).toBeDefined();
      await app.publishMany('t', 0, 5);
      await expect.poll(() => numbers.length, { timeout: 10_000 }).toBe(5);
      await app.publishMany('t', 5, 5);
      await expect.poll(() => numbers.length, { timeout: 10_000 }).toBe(10);
      expect(numbers).toEqual(range(0, 10));
      expect(errors.map(({ error }) => error.message)).toEqual(range(0, 10).map((n) => `bad handler ${n}`));
      expect(errors[0]?.info).toEqual({
        fatal: false,
        source: 'onEvent',
        state: transport === 'sse' ? 'open' : 'polling',
        transport,
      });
      // No reconnect: one position poll, then one stream (or the polls keep their rhythm).
      if (transport === 'sse') expect(app.requests.sse).toBe(1);
    },
  );

  it('onReset’s and onStateChange’s exceptions are reported the same way', async () => {
    const { sub, errors } = watched(app.url, {
      transport: 'sse',
      lastEventId: 'zzzzzzzzzz-41',
      onReset() {
        throw new Error('bad reset handler');
      },
      onStateChange(state) {
        throw new Error(`bad state handler: ${state}`);
      },
    });
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(errors.map(({ info }) => info.source).sort()).toEqual(['onReset', 'onStateChange']);
    expect(errors.find(({ info }) => info.source === 'onStateChange')?.error.message).toBe(
      'bad state handler: open',
    );
    expect(sub.state).toBe('open');
    expect(app.requests.sse).toBe(1);
  });

  it('an exception thrown by onError itself does not break the connection either', async () => {
    const sub = subscribe<{ message: { n: number } }>(app.url, {
      topics: ['t'],
      transport: 'sse',
      onEvent() {
        throw new Error('first');
      },
      onError() {
        throw new Error('second');
      },
    });
    subs.push(sub);
    const thrown: unknown[] = [];
    const listener = (error: unknown) => thrown.push(error);
    // The rethrow is asynchronous; catch it here instead of letting it fail the run.
    const previous = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', listener);
    try {
      await expect.poll(() => sub.lastEventId, { timeout: 10_000 }).toBeDefined();
      await app.publishMany('t', 0, 2);
      await expect.poll(() => thrown.length, { timeout: 10_000 }).toBe(2);
      expect(thrown.map((error) => (error as Error).message)).toEqual(['second', 'second']);
      expect(sub.state).toBe('open');
      expect(app.requests.sse).toBe(1);
    } finally {
      process.removeListener('uncaughtException', listener);
      for (const handler of previous) process.on('uncaughtException', handler);
    }
  });
});

describe('connection errors are reported with state and cause, and retried', () => {
  it('a refused connection: onError per attempt, fetch’s error as cause, state connecting', async () => {
    const port = await closedPort();
    const { sub, errors } = watched(`http://127.0.0.1:${port}/realtime`, {});
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const [first] = errors;
    expect(first?.info).toEqual({
      fatal: false,
      source: 'connection',
      state: 'connecting',
      transport: 'sse',
    });
    expect(first?.error.message).toMatch(
      /^Tidings: GET http:\/\/127\.0\.0\.1:\d+\/realtime\?topic=t failed: /,
    );
    expect(first?.error.message).toContain('ECONNREFUSED');
    expect(first?.error.cause).toBeInstanceOf(Error);
    expect(sub.state).not.toBe('closed');
  });

  it('a name that does not resolve: reported the same way', async () => {
    const { errors } = watched('http://tidings-test.invalid/realtime', { transport: 'poll' });
    await expect.poll(() => errors.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect(errors[0]?.info).toMatchObject({ fatal: false, source: 'connection', transport: 'poll' });
    expect(errors[0]?.error.message).toMatch(/ENOTFOUND|EAI_AGAIN|getaddrinfo/);
  }, 30_000);

  it('a 5xx is reported and retried; a fatal 4xx closes with fatal: true', async () => {
    let failing = 2;
    const flaky = await startApp({
      routes(express) {
        express.use('/realtime', (_req, res, next) => {
          if (failing-- <= 0) return next();
          res.status(503).json({ error: { code: 'broker-unavailable', message: 'down' } });
        });
      },
    });
    try {
      const rec = record(flaky.url, { transport: 'poll' });
      subs.push(rec.sub);
      await rec.untilState('polling');
      expect(rec.errors.map(({ error, info }) => [(error as { code?: string }).code, info.fatal])).toEqual([
        ['broker-unavailable', false],
        ['broker-unavailable', false],
      ]);
    } finally {
      await flaky.close();
    }
    const denied = record(app.url, { topics: ['bad topic'] });
    await denied.untilState('closed');
    expect(denied.errors).toHaveLength(1);
    expect(denied.errors[0]?.info).toEqual({
      fatal: true,
      source: 'connection',
      state: 'closed',
      transport: 'sse',
    });
    expect(denied.errors[0]?.error).toBe(denied.sub.error);
  });

  it('a forced stream that never shows a byte is reported each time it is reopened', async () => {
    const { startBufferingProxy } = await import('./buffering-proxy.js');
    const proxy = await startBufferingProxy(app.port);
    try {
      const { sub, errors } = watched(`${proxy.url}/realtime`, { transport: 'sse', stallTimeoutMs: 300 });
      await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
      expect(errors[0]?.error.message).toBe('Tidings: no byte of the sse stream in 300 ms');
      expect(errors[0]?.info).toMatchObject({ fatal: false, state: 'connecting', transport: 'sse' });
      sub.close();
    } finally {
      await proxy.close();
    }
  });
});

describe('subscribe() checks its options', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    [
      'topics as a string',
      { topics: 'orders' },
      /^Tidings: option topics of subscribe\(\) got "orders" \(a string\); it takes an array of strings$/,
    ],
    [
      'topics with a number',
      { topics: ['a', 1] },
      /option topics of subscribe\(\) got an array; it takes an array of strings/,
    ],
    [
      'an unknown transport',
      { transport: 'websocket' },
      /option transport of subscribe\(\) got "websocket" \(a string\); it takes one of \["auto","sse","eventsource","long-poll","poll"\]/,
    ],
    [
      'a number option as text',
      { heartbeatMs: '15000' },
      /option heartbeatMs of subscribe\(\) got "15000" \(a string\); it takes a number, at least 1/,
    ],
    [
      'NaN',
      { stallTimeoutMs: Number.NaN },
      /option stallTimeoutMs of subscribe\(\) got NaN; it takes a number, at least 1/,
    ],
    [
      'a fractional wait',
      { longPollWaitSeconds: 2.5 },
      /option longPollWaitSeconds of subscribe\(\) got 2.5; it takes a whole number of seconds/,
    ],
    [
      'a callback that is not a function',
      { onEvent: 'log' },
      /option onEvent of subscribe\(\) got "log" \(a string\); it takes a function/,
    ],
    ['a typo', { topic: ['orders'] }, /unknown option topic of subscribe\(\); did you mean topics\?/],
    [
      'an unknown option',
      { retries: 3 },
      /unknown option retries of subscribe\(\); known options: topics, headers, /,
    ],
    [
      'a bad decode',
      { decode: 'xml' },
      /option decode of subscribe\(\) got "xml" \(a string\); it takes one of \["json","text"\]/,
    ],
    [
      'EventSource where there is none',
      { transport: 'eventsource' },
      /option transport of subscribe\(\) got "eventsource" \(a string\); it takes another transport here/,
    ],
  ];

  it.each(bad)('throws a TypeError for %s', (_what, options, message) => {
    expect(() => subscribe(app.url, options)).toThrow(TypeError);
    expect(() => subscribe(app.url, options)).toThrow(message);
  });

  it('throws a TypeError for a relative URL in Node, where there is no page to resolve it against', () => {
    expect(() => subscribe('/realtime', { topics: ['t'] })).toThrow(
      /^Tidings: url of subscribe\(\) got "\/realtime" \(a string\); it takes an absolute URL, or in a page one relative to it$/,
    );
  });

  it('accepts every option with a valid value', () => {
    const sub = subscribe(app.url, {
      topics: ['t'],
      headers: () => ({}),
      credentials: 'include',
      transport: 'poll',
      decode: 'text',
      heartbeatMs: 1000,
      stallTimeoutMs: 5000,
      whenHidden: 'pause',
      hiddenFactor: 2,
      longPollWaitSeconds: 10,
      upgradeAfterMs: 1000,
      eventNames: ['note'],
      share: false,
      signal: new AbortController().signal,
      lastEventId: undefined,
    });
    subs.push(sub);
    expect(sub.state).toBe('connecting');
  });
});
