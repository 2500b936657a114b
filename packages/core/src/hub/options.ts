import type { Broker, RetentionOptions } from '../broker/broker.js';
import { HUB_HINTS, HUB_SCHEMA } from '../config/option-schema.js';
import { checkOptions } from '../config/validate.js';
import type { LifecycleOptions } from './lifecycle.js';
import { type LimitOptions, type ResolvedLimits, resolveLimits } from './limits.js';

/**
 * What happens to a stream whose client reads slower than events arrive:
 * - `disconnect` (default): close it once `maxBufferedBytes` are unsent; the client resumes
 *   by id, losing nothing.
 * - `drop-oldest`: once half of `maxBufferedBytes` is unsent, hold back the newest events, at
 *   most the other half; older ones are dropped, and the client is told with `event: reset`
 *   (reason `dropped`) before the rest.
 * - `latest`: like `drop-oldest`, but hold back only the newest event of each topic (tickers,
 *   presence); the superseded ones are skipped silently — that is the contract of the policy.
 *
 * A held-back backlog is written whenever the socket drains, as fast as the client reads; a
 * client that keeps up never loses an event under any policy.
 */
export type SlowConsumerPolicy = 'disconnect' | 'drop-oldest' | 'latest';

/** The policy option: one for the hub, or one per topic. */
export type SlowConsumerOption = SlowConsumerPolicy | ((topic: string) => SlowConsumerPolicy);

/** Options of a {@link Hub}. Every number has a documented, production-safe default. */
export interface HubOptions extends LifecycleOptions {
  /** Where events live. Default: a new in-memory broker using `retention`. */
  broker?: Broker;
  /** Replay retention of the default in-memory broker. */
  retention?: RetentionOptions;
  /**
   * Interval of the shared heartbeat comment on SSE streams, ms. Default 15,000. Each stream
   * gets one at least this often (at most one 50 ms sub-tick late); the writes are spread over
   * the interval, a slice per sub-tick.
   */
  heartbeatMs?: number;
  /** Base SSE reconnect delay sent as `retry:`, ms. Default 3,000. */
  retryMs?: number;
  /** Random extra added to `retryMs` per connection, so mass reconnects spread out, ms. Default 2,000. */
  retryJitterMs?: number;
  /**
   * Unsent bytes per stream. `disconnect` closes a stream past it (`slow-consumer`);
   * `drop-oldest` / `latest` act once half of it is unsent and hold back at most the other
   * half. Default 1 MiB.
   */
  maxBufferedBytes?: number;
  /**
   * What to do with a client that reads slower than events arrive, for the hub or per topic:
   * `disconnect` (default), `drop-oldest` or `latest`; see {@link SlowConsumerPolicy}. A stream
   * of several topics follows the strictest of theirs. Memory per stream stays bounded by
   * `maxBufferedBytes` in every policy, and a client that keeps up is never affected.
   */
  slowConsumer?: SlowConsumerOption;
  /** Largest serialized event payload accepted by `publish`, bytes. Default 64 KiB. */
  maxEventBytes?: number;
  /** Most topics one request may subscribe to. Default 32. */
  maxTopicsPerRequest?: number;
  /** Most events replayed by one history read (an SSE resume pages through them; a poll returns one page). Default 1,000. */
  maxReplay?: number;
  /** Longest a long-poll is held, ms (`Prefer: wait=N` is capped to it). Default 30,000. */
  maxWaitMs?: number;
  /** Connection limits and request-size limits; see {@link LimitOptions} for the defaults. */
  limits?: LimitOptions;
  /** Adaptive polling advice (`retryAfterMs`). */
  poll?: PollAdviceOptions;
  /** `max-age` of poll responses whose topics are all public, seconds. Default 1. */
  publicMaxAgeSeconds?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Constants of the server's next-poll advice; see PROTOCOL.md, "Adaptive polling". */
export interface PollAdviceOptions {
  /** Advice while topics are active, ms. Default 1,000. */
  minIntervalMs?: number;
  /** Advice ceiling for idle topics, ms. Default 30,000. */
  maxIntervalMs?: number;
  /** Topics with an event this recently count as active, ms. Default 10,000. */
  activeWindowMs?: number;
  /** Open connections above which advice stretches in proportion, "server loaded". Default 10,000. */
  busyConnections?: number;
}

export type ResolvedHubOptions = Required<
  Omit<HubOptions, 'broker' | 'retention' | 'poll' | 'limits' | keyof LifecycleOptions>
> & {
  limits: ResolvedLimits;
  poll: Required<PollAdviceOptions>;
};

/** Checks `options` (a `TypeError` naming the first bad or unknown one) and fills in the defaults. */
export function resolveHubOptions(options: HubOptions, where = 'createHub()'): ResolvedHubOptions {
  checkOptions(where, options, HUB_SCHEMA, HUB_HINTS);
  if (options.broker !== undefined && options.retention !== undefined) {
    throw new TypeError(
      `Tidings: option retention of ${where} applies to the default in-memory broker only; with a broker, give retention to its factory`,
    );
  }
  const resolved: ResolvedHubOptions = {
    heartbeatMs: options.heartbeatMs ?? 15_000,
    retryMs: options.retryMs ?? 3_000,
    retryJitterMs: options.retryJitterMs ?? 2_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    slowConsumer: options.slowConsumer ?? 'disconnect',
    maxEventBytes: options.maxEventBytes ?? 64 * 1024,
    maxTopicsPerRequest: options.maxTopicsPerRequest ?? 32,
    maxReplay: options.maxReplay ?? 1_000,
    maxWaitMs: options.maxWaitMs ?? 30_000,
    limits: resolveLimits(options.limits),
    publicMaxAgeSeconds: options.publicMaxAgeSeconds ?? 1,
    now: options.now ?? Date.now,
    poll: {
      minIntervalMs: options.poll?.minIntervalMs ?? 1_000,
      maxIntervalMs: options.poll?.maxIntervalMs ?? 30_000,
      activeWindowMs: options.poll?.activeWindowMs ?? 10_000,
      busyConnections: options.poll?.busyConnections ?? 10_000,
    },
  };
  return resolved;
}
