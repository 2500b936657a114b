import { createHub, MemoryBroker } from '@tidings/core';
import { realtime as expressRealtime } from '@tidings/express';
import { realtime as fastifyRealtime } from '@tidings/fastify';
import { realtime as fetchRealtime } from '@tidings/fetch';
import { realtime as koaRealtime } from '@tidings/koa';
import { realtime as nodeRealtime } from '@tidings/node';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Every option's check, with the message a user sees (docs/options.md lists the same table).
 * Each case is an options object and the message it must throw, as a `TypeError`.
 */
const HUB_CASES: Array<[string, Record<string, unknown>, RegExp]> = [
  [
    'retryMs as a string',
    { retryMs: '3000' },
    /option retryMs of .* got "3000" \(a string\); it takes a whole number of milliseconds, 0 or more/,
  ],
  [
    'heartbeatMs as a string',
    { heartbeatMs: 'x' },
    /option heartbeatMs of .* got "x" \(a string\); it takes a whole number of milliseconds, at least 1000/,
  ],
  [
    'heartbeatMs too small',
    { heartbeatMs: 10 },
    /option heartbeatMs of .* got 10; it takes a whole number of milliseconds, at least 1000/,
  ],
  ['retryJitterMs negative', { retryJitterMs: -1 }, /option retryJitterMs .* got -1/],
  [
    'maxBufferedBytes NaN',
    { maxBufferedBytes: Number.NaN },
    /option maxBufferedBytes .* got NaN; it takes a whole number of bytes/,
  ],
  [
    'maxEventBytes 0',
    { maxEventBytes: 0 },
    /option maxEventBytes .* got 0; it takes a whole number of bytes, at least 1/,
  ],
  [
    'maxTopicsPerRequest',
    { maxTopicsPerRequest: '32' },
    /option maxTopicsPerRequest .* got "32" \(a string\)/,
  ],
  [
    'maxReplay',
    { maxReplay: 1.5 },
    /option maxReplay .* got 1.5; it takes a whole number of events, at least 1/,
  ],
  ['maxWaitMs', { maxWaitMs: Number.POSITIVE_INFINITY }, /option maxWaitMs .* got Infinity/],
  [
    'publicMaxAgeSeconds',
    { publicMaxAgeSeconds: '1' },
    /option publicMaxAgeSeconds .* it takes a whole number of seconds/,
  ],
  [
    'slowConsumer',
    { slowConsumer: 'bogus' },
    /option slowConsumer .* got "bogus" \(a string\); it takes one of "disconnect", "drop-oldest", "latest", or a function/,
  ],
  [
    'broker {}',
    { broker: {} },
    /option broker .* got an empty object \{\}; it takes a Broker \(an object with publish, head, history, subscribe, close\)/,
  ],
  [
    'broker as a Promise',
    { broker: Promise.resolve(new MemoryBroker()) },
    /option broker .* got a Promise; it takes a Broker, not a Promise of one: await the factory first, e\.g\. broker: await createNatsBroker\(\)/,
  ],
  [
    'retention with a broker',
    { broker: new MemoryBroker(), retention: { maxEvents: 5 } },
    /option retention of .* applies to the default in-memory broker only/,
  ],
  [
    'retention.maxEvents',
    { retention: { maxEvents: '100' } },
    /option retention\.maxEvents .* got "100" \(a string\); it takes a whole number of events, at least 1/,
  ],
  [
    'retention unknown key',
    { retention: { maxAge: 1000 } },
    /unknown option retention\.maxAge of .*; did you mean retention\.maxAgeMs\?/,
  ],
  ['retention.maxBytes', { retention: { maxBytes: 0 } }, /option retention\.maxBytes .* at least 1/],
  ['retention.maxTopics', { retention: { maxTopics: -3 } }, /option retention\.maxTopics .* got -3/],
  ['limits as a number', { limits: 5 }, /option limits .* got 5; it takes an object \{ maxConnections/],
  [
    'limits.maxConnections',
    { limits: { maxConnections: '10' } },
    /option limits\.maxConnections .* got "10" \(a string\)/,
  ],
  [
    'limits.maxConnectionsPerKey',
    { limits: { maxConnectionsPerKey: -1 } },
    /option limits\.maxConnectionsPerKey/,
  ],
  ['limits.maxLongPolls', { limits: { maxLongPolls: 0.5 } }, /option limits\.maxLongPolls/],
  ['limits.maxUrlLength', { limits: { maxUrlLength: 0 } }, /option limits\.maxUrlLength .* at least 1/],
  ['limits.maxHeaderLength', { limits: { maxHeaderLength: '8k' } }, /option limits\.maxHeaderLength/],
  ['limits.retryAfterSeconds', { limits: { retryAfterSeconds: '5' } }, /option limits\.retryAfterSeconds/],
  [
    'limits unknown key',
    { limits: { maxConnection: 5 } },
    /unknown option limits\.maxConnection of .*; did you mean limits\.maxConnections\?/,
  ],
  ['poll.minIntervalMs', { poll: { minIntervalMs: '1000' } }, /option poll\.minIntervalMs/],
  ['poll.maxIntervalMs', { poll: { maxIntervalMs: -5 } }, /option poll\.maxIntervalMs/],
  ['poll.activeWindowMs', { poll: { activeWindowMs: null } }, /option poll\.activeWindowMs .* got null/],
  ['poll.busyConnections', { poll: { busyConnections: 0 } }, /option poll\.busyConnections .* at least 1/],
  ['now', { now: 5 }, /option now .* got 5; it takes a function/],
  ['logger', { logger: console.log }, /option logger .* got a function; it takes a pino-compatible logger/],
  ['logger without methods', { logger: { info() {} } }, /option logger .* got an object with info/],
  ['onConnect', { onConnect: true }, /option onConnect .* got true; it takes a function/],
  ['onDisconnect', { onDisconnect: 'log' }, /option onDisconnect .* it takes a function/],
  ['onPublish', { onPublish: {} }, /option onPublish .* it takes a function/],
  ['onError', { onError: null }, /option onError .* got null; it takes a function/],
  ['unknown heartbeat', { heartbeat: 5000 }, /unknown option heartbeat of .*; did you mean heartbeatMs\?/],
  ['unknown retry', { retry: 5000 }, /unknown option retry of .*; did you mean retryMs\?/],
  ['misspelt maxWait', { maxWait: 5000 }, /unknown option maxWait of .*; did you mean maxWaitMs\?/],
  ['wrong case', { onerror: () => {} }, /unknown option onerror of .*; did you mean onError\?/],
  [
    'unknown, no guess',
    { zzz: 1 },
    /unknown option zzz of .*; known options: broker, retention, heartbeatMs/,
  ],
];

const HANDLER_CASES: Array<[string, Record<string, unknown>, RegExp]> = [
  [
    'topics as a string',
    { topics: 'orders' },
    /option topics of realtime\(\) got "orders" \(a string\); it takes a function \(ctx, requested\) => topics/,
  ],
  [
    'authorize: true',
    { authorize: true },
    /option authorize of realtime\(\) got true; it takes a function \(ctx, topics\) => boolean/,
  ],
  [
    'publicTopics',
    { publicTopics: ['news'] },
    /option publicTopics .* got an array; it takes a function \(topic\) => boolean/,
  ],
  ['auth', { auth: 'secret' }, /option auth .* it takes a token verifier from tokenAuth/],
  [
    'connectionKey',
    { connectionKey: 'ip' },
    /option connectionKey .* it takes a function \(ctx\) => string \| undefined/,
  ],
  ['cors: true', { cors: true }, /option cors of realtime\(\) got true; it takes an object \{ origins:/],
  [
    "cors: '*'",
    { cors: '*' },
    /option cors of realtime\(\) got "\*" \(a string\); it takes an object \{ origins:/,
  ],
  [
    'cors: { origin }',
    { cors: { origin: 'https://a.example' } },
    /unknown option cors\.origin of realtime\(\); did you mean cors\.origins\?/,
  ],
  [
    'cors.origins as a string',
    { cors: { origins: 'https://a.example' } },
    /option cors\.origins .* got "https:\/\/a\.example" \(a string\); it takes an array of origins/,
  ],
  [
    'cors.credentials',
    { cors: { origins: ['https://a.example'], credentials: 'yes' } },
    /option cors\.credentials .* it takes true or false/,
  ],
  [
    'cors.allowHeaders',
    { cors: { origins: '*', allowHeaders: 'x-token' } },
    /option cors\.allowHeaders .* it takes an array of header names/,
  ],
  ['cors.maxAgeSeconds', { cors: { origins: '*', maxAgeSeconds: '600' } }, /option cors\.maxAgeSeconds/],
  [
    'origin at the top',
    { origin: 'https://a.example' },
    /unknown option origin of realtime\(\); did you mean cors\.origins\?/,
  ],
  ['hub', { hub: {} }, /option hub .* it takes a Hub from createHub\(\)/],
  [
    'hub with hub options',
    { hub: createHub(), heartbeatMs: 5000, logger: console },
    /option heartbeatMs, logger of realtime\(\) would be ignored, since hub is given: set hub options where the hub is created, createHub\(\{ heartbeatMs, logger \}\)/,
  ],
  ['not an object', 'orders' as never, /realtime\(\) takes an options object, got "orders" \(a string\)/],
];

describe('createHub() options', () => {
  it.each(HUB_CASES)('%s', (_name, options, message) => {
    expect(() => createHub(options)).toThrow(TypeError);
    expect(() => createHub(options)).toThrow(message);
  });

  it('takes every option with a good value', async () => {
    const hub = createHub({
      retention: { maxEvents: 10, maxBytes: 1000, maxAgeMs: 1000, maxTopics: 10 },
      heartbeatMs: 1000,
      retryMs: 0,
      retryJitterMs: 0,
      maxBufferedBytes: 0,
      slowConsumer: (topic: string) => (topic === 'ticker' ? 'latest' : 'disconnect'),
      maxEventBytes: 1,
      maxTopicsPerRequest: 1,
      maxReplay: 1,
      maxWaitMs: 0,
      limits: {
        maxConnections: 0,
        maxConnectionsPerKey: 0,
        maxLongPolls: 0,
        maxUrlLength: 1,
        maxHeaderLength: 1,
        retryAfterSeconds: 0,
      },
      poll: { minIntervalMs: 0, maxIntervalMs: 0, activeWindowMs: 0, busyConnections: 1 },
      publicMaxAgeSeconds: 0,
      now: Date.now,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      onConnect() {},
      onDisconnect() {},
      onPublish() {},
      onError() {},
    } as never);
    await hub.close();
  });

  it('counts undefined as not given', async () => {
    const hub = createHub({ heartbeatMs: undefined, broker: undefined });
    expect(hub.options.heartbeatMs).toBe(15_000);
    await hub.close();
  });

  it('checks the retention of a MemoryBroker made by hand', () => {
    expect(() => new MemoryBroker({ maxEvents: '5' as never })).toThrow(
      /option maxEvents of new MemoryBroker\(\) got "5" \(a string\)/,
    );
  });
});

/** Every adapter checks the same options at `realtime()`, naming itself the way the app calls it. */
const SYNC_ADAPTERS = [
  ['express', expressRealtime],
  ['koa', koaRealtime],
  ['node', nodeRealtime],
  ['fetch', fetchRealtime],
] as const;

describe.each(SYNC_ADAPTERS)('%s realtime() options', (_adapter, realtime) => {
  it.each([...HUB_CASES, ...HANDLER_CASES])('%s', (_name, options, message) => {
    expect(() => realtime(options as never)).toThrow(TypeError);
    expect(() => realtime(options as never)).toThrow(message);
  });
});

describe('adapter-specific options', () => {
  it('koa: path must be a path', () => {
    expect(() => koaRealtime({ path: 'realtime' })).toThrow(
      /option path of realtime\(\) got "realtime" \(a string\); it takes a path starting with '\/'/,
    );
  });

  it('express has no path option: it is routed by app.use', () => {
    expect(() => expressRealtime({ path: '/realtime' } as never)).toThrow(
      /unknown option path of realtime\(\)/,
    );
  });
});

describe('fastify: app.register(realtime) options', () => {
  let app: ReturnType<typeof Fastify> | undefined;
  afterEach(async () => {
    await app?.close().catch(() => {});
    app = undefined;
  });

  const register = (options: Record<string, unknown>) => {
    app = Fastify();
    app.register(fastifyRealtime, options as never);
    return app.ready();
  };

  it.each([...HUB_CASES, ...HANDLER_CASES].filter(([name]) => name !== 'not an object'))(
    '%s',
    async (_name, options, message) => {
      const pattern = new RegExp(message.source.replace(/realtime\\\(\\\)/g, 'app\\.register\\(realtime\\)'));
      await expect(register(options)).rejects.toThrow(pattern);
      await expect(register(options)).rejects.toBeInstanceOf(TypeError);
    },
  );

  it.each([
    [
      'prefix',
      { prefix: 'realtime' },
      /option prefix of app\.register\(realtime\) got "realtime" \(a string\); it takes a path starting with '\/'/,
    ],
    [
      'closeGraceMs',
      { closeGraceMs: '100' },
      /option closeGraceMs of app\.register\(realtime\) got "100" \(a string\)/,
    ],
  ] as const)('%s', async (_name, options, message) => {
    await expect(register(options)).rejects.toThrow(message);
  });

  it("passes Fastify's own register options", async () => {
    await register({ prefix: '/rt', logLevel: 'warn' });
    await app?.realtime.close();
  });
});
