/**
 * The adaptive polling schedule. Documented in docs/client.md, "Adaptive polling"; every
 * constant below appears there.
 */

/** Shortest gap between interval polls unless the server says `retryAfterMs: 0` (more is waiting). */
export const POLL_FLOOR_MS = 1_000;
/** Longest gap between interval polls of a visible tab. */
export const POLL_CEILING_MS = 60_000;
/** Without server advice: each poll that brings nothing stretches the gap by this factor. */
export const QUIET_GROWTH = 1.5;
/** Healthy polls are spread ±10 % so clients that started together drift apart. */
export const POLL_JITTER = 0.2;
/** First retry window after a failure; it doubles per consecutive failure (full jitter). */
export const BACKOFF_BASE_MS = 1_000;
/** Largest retry window. */
export const BACKOFF_CAP_MS = 60_000;
/** A poll answer slower than this counts as connection strain, like a failure, for pacing. */
export const SLOW_RESPONSE_MS = 10_000;

/**
 * "Full jitter" exponential back-off: a uniform random delay in
 * `[0, min(cap, base × 2^attempt))`, so a crowd of clients retrying after the same
 * outage spreads over the whole window instead of arriving together.
 */
export function backoff(
  attempt: number,
  baseMs = BACKOFF_BASE_MS,
  capMs = BACKOFF_CAP_MS,
  random = Math.random,
) {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

/** What one poll brought, for {@link PollSchedule.next}. */
export interface PollOutcome {
  /** Events received (0 for an empty answer or a failure). */
  events: number;
  /** The server's `retryAfterMs` (body or `Tidings-Retry-After-Ms`), or a `Retry-After` after a 429/503. */
  retryAfterMs?: number | undefined;
  /** The request failed (network error, 5xx, 429, timeout). */
  failed?: boolean;
  /** How long the request took, ms. */
  elapsedMs?: number;
}

/**
 * Decides the gap before the next interval poll, in this order:
 * 1. a failure or a slow answer: full-jitter back-off over consecutive strains, never less
 *    than a `Retry-After` the server sent;
 * 2. the server's `retryAfterMs` (it knows the topics' activity and its own load), capped
 *    at {@link POLL_CEILING_MS};
 * 3. without advice, the client's own activity estimate: {@link POLL_FLOOR_MS} after events,
 *    × {@link QUIET_GROWTH} per empty poll up to the ceiling.
 * Healthy gaps get ±{@link POLL_JITTER}/2 jitter. Visibility and offline are applied by the
 * pacer on top (see `pacer.ts`).
 */
export class PollSchedule {
  private quietMs = POLL_FLOOR_MS;
  private strain = 0;

  constructor(private readonly random: () => number = Math.random) {}

  next(outcome: PollOutcome): number {
    if (outcome.failed) {
      const delay = backoff(this.strain++, BACKOFF_BASE_MS, BACKOFF_CAP_MS, this.random);
      return Math.max(delay, Math.min(outcome.retryAfterMs ?? 0, BACKOFF_CAP_MS));
    }
    this.quietMs =
      outcome.events > 0 ? POLL_FLOOR_MS : Math.min(POLL_CEILING_MS, this.quietMs * QUIET_GROWTH);
    const base =
      outcome.retryAfterMs === undefined ? this.quietMs : Math.min(outcome.retryAfterMs, POLL_CEILING_MS);
    const healthy = Math.round(base * (1 - POLL_JITTER / 2 + this.random() * POLL_JITTER));
    if ((outcome.elapsedMs ?? 0) <= SLOW_RESPONSE_MS) {
      this.strain = 0;
      return healthy;
    }
    return Math.max(healthy, backoff(this.strain++, BACKOFF_BASE_MS, BACKOFF_CAP_MS, this.random));
  }

  /** Forgets past failures (e.g. after switching transport). */
  recover(): void {
    this.strain = 0;
  }
}
