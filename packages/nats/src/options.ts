import type { NatsConnection } from '@nats-io/transport-node';
import type { RetentionOptions } from '@tidings/core';
import {
  aFunction,
  aString,
  check,
  checkOptions,
  DEFAULT_RETENTION,
  nested,
  type OptionSchema,
  oneOf,
  TidingsError,
  wholeNumber,
  withMethods,
} from '@tidings/core';
import type { HubStreamSpec } from './stream.js';
import { isValidStreamName, isValidSubjectPrefix } from './subject.js';

/** Options of {@link createNatsBroker}. */
export interface NatsBrokerOptions {
  /**
   * An open connection to share. The broker never closes it; give it
   * `maxReconnectAttempts: -1` so it outlives NATS restarts.
   */
  connection?: NatsConnection;
  /** Servers to connect to when no `connection` is given (the broker then owns and closes it). Default `127.0.0.1:4222`. */
  servers?: string | string[];
  /** JetStream stream holding the hub's events. Default `tidings`. */
  stream?: string;
  /** Subject prefix: topic `t` lives on `<prefix>.<encoded t>`. Default: the stream name. */
  subjectPrefix?: string;
  /**
   * Per-topic retention: `maxEvents` becomes the stream's `max_msgs_per_subject`, `maxAgeMs`
   * its `max_age`. `maxBytes` and `maxTopics` do not apply (JetStream has no per-subject
   * byte limit; topics cost nothing once their messages expire).
   */
  retention?: Pick<RetentionOptions, 'maxEvents' | 'maxAgeMs'>;
  /** Where JetStream keeps the stream. `memory` loses history when the server restarts. Default `file`. */
  storage?: 'file' | 'memory';
  /** Stream replicas in a NATS cluster (1, 3 or 5). Default 1. */
  replicas?: number;
  /** Longest wait for a JetStream request (publish ack, history, stream info), ms. Default 2000. */
  timeoutMs?: number;
  /** Clock for event times and retention by age. Default `Date.now`. */
  now?: () => number;
}

export interface ResolvedNatsOptions {
  readonly stream: HubStreamSpec;
  readonly timeoutMs: number;
  readonly now: () => number;
}

const notInJetStream = (option: string) => {
  const takes = `nothing: ${option} does not apply to JetStream (leave it out)`;
  return check(takes, () => takes);
};

/** What each option takes (docs/options.md). */
export const NATS_SCHEMA: OptionSchema = {
  connection: withMethods('an open NatsConnection (from connect())', [
    'publish',
    'subscribe',
    'close',
    'status',
  ]),
  servers: check(
    "a server address ('127.0.0.1:4222') or an array of them",
    (value) =>
      (typeof value === 'string' && value !== '') ||
      (Array.isArray(value) && value.length > 0 && value.every((server) => typeof server === 'string')),
  ),
  stream: aString,
  subjectPrefix: aString,
  retention: nested('an object { maxEvents, maxAgeMs }', {
    maxEvents: wholeNumber('events', 1),
    maxAgeMs: wholeNumber('milliseconds', 1),
    maxBytes: notInJetStream('maxBytes'),
    maxTopics: notInJetStream('maxTopics'),
  }),
  storage: oneOf(['file', 'memory']),
  replicas: oneOf([1, 3, 5]),
  timeoutMs: wholeNumber('milliseconds', 1),
  now: aFunction('() => milliseconds since the epoch'),
};

/** Checks `options` (a `TypeError` naming the first bad or unknown one) and fills in the defaults. */
export function resolveNatsOptions(options: NatsBrokerOptions): ResolvedNatsOptions {
  checkOptions('createNatsBroker()', options, NATS_SCHEMA);
  const name = options.stream ?? 'tidings';
  const prefix = options.subjectPrefix ?? name;
  if (!isValidStreamName(name)) {
    throw new TidingsError('invalid-request', `Invalid NATS stream name ${JSON.stringify(name)}`);
  }
  if (!isValidSubjectPrefix(prefix)) {
    throw new TidingsError('invalid-request', `Invalid NATS subject prefix ${JSON.stringify(prefix)}`);
  }
  return {
    stream: {
      name,
      prefix,
      maxEvents: options.retention?.maxEvents ?? DEFAULT_RETENTION.maxEvents,
      maxAgeMs: options.retention?.maxAgeMs ?? DEFAULT_RETENTION.maxAgeMs,
      storage: options.storage ?? 'file',
      replicas: options.replicas ?? 1,
    },
    timeoutMs: options.timeoutMs ?? 2000,
    now: options.now ?? Date.now,
  };
}
