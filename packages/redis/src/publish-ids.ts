import { randomBytes } from 'node:crypto';

/**
 * Publish ids: unique per publish across every node of a hub (a random per-broker part and a
 * counter), cheap to make. A publish id keys the short-lived record that makes a retried
 * publish script idempotent (see exact-run.ts).
 */
export class PublishIds {
  private readonly node = randomBytes(9).toString('base64url');
  private counter = 0;

  next(): string {
    return `${this.node}.${(this.counter++).toString(36)}`;
  }
}

/**
 * How long Redis keeps a publish id: well past the last retry or settle of its publish (both
 * end within about twice the command timeout), so no late copy of the command can append again.
 */
export function publishIdTtlMs(commandTimeoutMs: number): number {
  return Math.max(10_000, 3 * commandTimeoutMs);
}
