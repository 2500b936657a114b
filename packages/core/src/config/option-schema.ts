import {
  aBoolean,
  aFunction,
  check,
  isThenable,
  nested,
  type OptionSchema,
  oneOf,
  wholeNumber,
  withMethods,
} from './validate.js';

/** What every option of the hub, the handler and the brokers takes; docs/options.md mirrors it. */

const ms = (min = 0) => wholeNumber('milliseconds', min);

const BROKER_METHODS = ['publish', 'head', 'history', 'subscribe', 'close'];

/** A broker, with its own message for the un-awaited factory (`broker: createNatsBroker()`). */
const broker = check(`a Broker (an object with ${BROKER_METHODS.join(', ')})`, (value) => {
  if (isThenable(value)) {
    return 'a Broker, not a Promise of one: await the factory first, e.g. broker: await createNatsBroker() or broker: await createRedisBroker()';
  }
  return withMethods('', BROKER_METHODS).test(value);
});

const SLOW_CONSUMER_POLICIES = ['disconnect', 'drop-oldest', 'latest'];

/** Retention of the in-memory broker (`retention`, `new MemoryBroker(retention)`). */
export const RETENTION_SCHEMA: OptionSchema = {
  maxEvents: wholeNumber('events', 1),
  maxBytes: wholeNumber('bytes', 1),
  maxAgeMs: ms(1),
  maxTopics: wholeNumber('topics', 1),
};

const LIMITS_SCHEMA: OptionSchema = {
  maxConnections: wholeNumber('connections'),
  maxConnectionsPerKey: wholeNumber('connections'),
  maxLongPolls: wholeNumber('long-polls'),
  maxUrlLength: wholeNumber('characters', 1),
  maxHeaderLength: wholeNumber('characters', 1),
  retryAfterSeconds: wholeNumber('seconds'),
};

const POLL_SCHEMA: OptionSchema = {
  minIntervalMs: ms(),
  maxIntervalMs: ms(),
  activeWindowMs: ms(),
  busyConnections: wholeNumber('connections', 1),
};

/** Options of `createHub()`, also taken by every adapter's `realtime()` when it creates the hub. */
export const HUB_SCHEMA: OptionSchema = {
  broker,
  retention: nested('an object { maxEvents, maxBytes, maxAgeMs, maxTopics }', RETENTION_SCHEMA),
  heartbeatMs: ms(1_000),
  retryMs: ms(),
  retryJitterMs: ms(),
  maxBufferedBytes: wholeNumber('bytes'),
  slowConsumer: check(
    `${oneOf(SLOW_CONSUMER_POLICIES).takes}, or a function (topic) => one of them`,
    (value) => typeof value === 'function' || SLOW_CONSUMER_POLICIES.includes(value as string),
  ),
  maxEventBytes: wholeNumber('bytes', 1),
  maxTopicsPerRequest: wholeNumber('topics', 1),
  maxReplay: wholeNumber('events', 1),
  maxWaitMs: ms(),
  limits: nested(`an object { ${Object.keys(LIMITS_SCHEMA).join(', ')} }`, LIMITS_SCHEMA),
  poll: nested(`an object { ${Object.keys(POLL_SCHEMA).join(', ')} }`, POLL_SCHEMA),
  publicMaxAgeSeconds: wholeNumber('seconds'),
  now: aFunction('() => milliseconds since the epoch'),
  logger: withMethods('a pino-compatible logger (debug, info, warn and error methods)', [
    'debug',
    'info',
    'warn',
    'error',
  ]),
  onConnect: aFunction('(info) => void'),
  onDisconnect: aFunction('(info) => void'),
  onPublish: aFunction('(info) => void'),
  onError: aFunction('(error, info) => void'),
};

const CORS_SCHEMA: OptionSchema = {
  origins: check(
    "an array of origins (['https://app.example.com']), '*', or a function (origin) => boolean",
    (value) =>
      value === '*' ||
      typeof value === 'function' ||
      (Array.isArray(value) && value.every((origin) => typeof origin === 'string')),
  ),
  credentials: aBoolean,
  allowHeaders: check(
    'an array of header names',
    (value) => Array.isArray(value) && value.every((name) => typeof name === 'string'),
  ),
  maxAgeSeconds: wholeNumber('seconds'),
};

/** Options of the request handler: who may subscribe to what. */
export const HANDLER_SCHEMA: OptionSchema = {
  topics: aFunction('(ctx, requested) => topics, maybe async'),
  authorize: aFunction('(ctx, topics) => boolean, maybe async'),
  publicTopics: aFunction('(topic) => boolean'),
  auth: withMethods('a token verifier from tokenAuth({ secret })', ['verify']),
  connectionKey: aFunction('(ctx) => string | undefined'),
  cors: nested(
    "an object { origins: ['https://app.example.com'] | '*' | (origin) => boolean, … }",
    CORS_SCHEMA,
    {
      origin: 'origins',
      credential: 'credentials',
      allowedHeaders: 'allowHeaders',
      maxAge: 'maxAgeSeconds',
    },
  ),
};

/** Hub option names users of other SSE libraries write, mapped to the option meant. */
export const HUB_HINTS: Readonly<Record<string, string>> = {
  heartbeat: 'heartbeatMs',
  heartbeatInterval: 'heartbeatMs',
  keepAlive: 'heartbeatMs',
  retry: 'retryMs',
};

/** The same for `realtime()`, which also takes the handler's options (`origin` is the `cors` package's). */
export const ADAPTER_HINTS: Readonly<Record<string, string>> = {
  ...HUB_HINTS,
  origin: 'cors.origins',
  origins: 'cors.origins',
  credentials: 'cors.credentials',
};
