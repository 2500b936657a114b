import {
  aFunction,
  check,
  nested,
  type OptionSchema,
  type RetentionOptions,
  wholeNumber,
} from '@tidings/core';
import type { Redis } from 'ioredis';

/** Options of {@link RedisBroker}. */
export interface RedisBrokerOptions {
  /**
   * The Redis to use: an ioredis client (the broker uses it for commands and never closes it;
   * it opens one extra connection with `duplicate()` for pub/sub) or a `redis://` URL (the
   * broker owns both connections). Default `redis://127.0.0.1:6379`.
   */
  redis?: Redis | string;
  /**
   * Prefix of every key and channel, also their Redis Cluster hash tag (`{tidings}:hub`…).
   * Hubs with different prefixes share nothing: use one per app or tenant. Default `tidings`.
   */
  prefix?: string;
  /**
   * Replay retention per topic: `maxEvents` (default 1000), `maxAgeMs` (default 10 minutes) and
   * `maxTopics` (default 10,000 topics with history; the least recently published are forgotten
   * first). `maxBytes` is not enforced in Redis.
   */
  retention?: RetentionOptions;
  /** A command that takes longer fails with `broker-unavailable`, ms. Default 2,000. */
  commandTimeoutMs?: number;
  /** Clock for event times and retention by age, for tests. Default `Date.now`. */
  now?: () => number;
}

const notInRedis = (option: string, why: string) => {
  const takes = `nothing: ${option} ${why}`;
  return check(takes, () => takes);
};

/** What each option takes; checked by {@link RedisBroker}'s constructor (docs/options.md). */
export const REDIS_SCHEMA: OptionSchema = {
  redis: check(
    'an ioredis client or a redis:// URL',
    (value) =>
      (typeof value === 'string' && /^rediss?:\/\//.test(value)) ||
      (typeof value === 'object' && value !== null && typeof (value as Redis).duplicate === 'function'),
  ),
  prefix: check('1-64 characters without braces or spaces', (value) => typeof value === 'string'),
  retention: nested('an object { maxEvents, maxAgeMs, maxTopics }', {
    maxEvents: wholeNumber('events', 1),
    maxAgeMs: wholeNumber('milliseconds', 1),
    maxTopics: wholeNumber('topics', 1),
    maxBytes: notInRedis('maxBytes', 'is not enforced in Redis: bound maxEvents instead'),
  }),
  commandTimeoutMs: wholeNumber('milliseconds', 1),
  now: aFunction('() => milliseconds since the epoch'),
};
