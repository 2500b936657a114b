import { TidingsError } from '@tidings/core';
import type { Redis } from 'ioredis';
import { type GuardedConnection, unavailable } from './connection.js';

/** An idempotent command (a publish keyed by its publish id) and how to settle it. */
export interface ExactCommand<T> {
  readonly command: (client: Redis) => Promise<T>;
  /**
   * Once no more time is left: the command's result if it ran; otherwise `undefined`, and it
   * must then never run (a copy still on its way becomes a no-op).
   */
  readonly settle: (client: Redis) => Promise<T | undefined>;
}

/**
 * Runs `exact` so that a rejection means "did not happen", whenever Redis answers again in time:
 *
 * - Redis unreachable when it starts: rejects at once; nothing was sent.
 * - Sent, then the connection broke or no reply came (the command may have run): it is sent
 *   again, with the same id, each time the connection is back, until `timeoutMs` after the
 *   start. A repeat of a command that ran returns its result instead of running twice.
 * - Still unconfirmed then: as soon as Redis answers (within another `timeoutMs`), `settle`
 *   learns whether it ran (resolves with its result) or abandons it (rejects with
 *   `broker-unavailable`: it did not happen and never will).
 * - Redis not answering even that: rejects with `publish-outcome-unknown` (the outcome is
 *   unknown) — the command may have run just before the connection failed. This is the one
 *   case where a rejected publish can still be delivered.
 *
 * So a publish whose command was in flight when the connection failed takes up to about
 * twice `timeoutMs` to settle; one issued while Redis is known to be away fails at once.
 */
export async function runExactly<T>(
  connection: GuardedConnection,
  timeoutMs: number,
  exact: ExactCommand<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let sent = false;
  let failure: unknown;
  for (;;) {
    // A command issued on a ready connection is written to Redis: it may run even if no reply comes.
    sent ||= connection.ready;
    try {
      return await connection.run(exact.command, Math.max(1, deadline - Date.now()));
    } catch (error) {
      if (!sent || isReply(error)) throw error;
      failure = error;
    }
    if (!(await connection.whenReady(deadline - Date.now())) || Date.now() >= deadline) break;
  }
  // Settling needs Redis: give it one more `timeoutMs` to come back (a restart takes a moment).
  if (await connection.whenReady(timeoutMs)) {
    let settled: T | undefined;
    try {
      settled = await connection.run(exact.settle);
    } catch (error) {
      throw unknownOutcome(timeoutMs, error);
    }
    if (settled !== undefined) return settled;
    throw failure instanceof TidingsError ? failure : unavailable(failure);
  }
  throw unknownOutcome(timeoutMs, failure);
}

function unknownOutcome(timeoutMs: number, cause: unknown): TidingsError {
  return new TidingsError(
    'publish-outcome-unknown',
    `Redis did not confirm the publish within ${timeoutMs} ms, and its outcome is unknown: Redis may ` +
      'have appended it before the connection failed, and then delivers it once it is back',
    { cause },
  );
}

/** Redis answered with an error: the command ran (or was refused) — no reason to send it again. */
function isReply(error: unknown): boolean {
  return replyOf(error) !== undefined;
}

/** The error reply Redis answered with, possibly wrapped in a TidingsError; else `undefined`. */
export function replyOf(error: unknown): Error | undefined {
  const cause = error instanceof TidingsError ? error.cause : error;
  return cause instanceof Error && cause.name === 'ReplyError' ? cause : undefined;
}
/**
 * How long Redis keeps a publish id: well past the last retry or settle of its publish (both
 * end within about twice the command timeout), so no late copy of the command can append again.
 */
export function publishIdTtlMs(commandTimeoutMs: number): number {
  return Math.max(10_000, 3 * commandTimeoutMs);
}
