import type { RetentionOptions } from '@tidings/core';
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
