/** Anything the shared deadline schedule can expire. */
export interface Expiring {
  expire(): void;
}

/** Deadlines are rounded up to this grain, so waiters due in the same slice share one bucket. */
const GRAIN_MS = 25;

/**
 * One timer for every pending long-poll deadline, as the heartbeat is one timer for every
 * stream: members are kept in buckets of {@link GRAIN_MS} (a deadline is rounded up, so a
 * long-poll may wait up to that much longer, never shorter), and the timer is armed for the
 * earliest bucket only. Adding and removing a member is a `Set` operation — 5,000 long-polls
 * woken by one publish clear 5,000 set entries instead of 5,000 node timers. Times are
 * `Date.now()` milliseconds, the clock node's timers (and fake timers) follow.
 */
export class DeadlineSchedule {
  private readonly buckets = new Map<number, Set<Expiring>>();
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires; `Infinity` when none is armed. */
  private armedAt = Number.POSITIVE_INFINITY;

  /** Expires `member` in `ms` (or up to {@link GRAIN_MS} later); returns the key {@link delete} takes. */
  add(member: Expiring, ms: number): number {
    const at = Math.ceil((Date.now() + ms) / GRAIN_MS) * GRAIN_MS;
    let bucket = this.buckets.get(at);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(at, bucket);
    }
    bucket.add(member);
    if (at < this.armedAt) this.arm(at);
    return at;
  }

  /** Forgets `member`, added with key `at`; the timer stops when no deadline is left. */
  delete(member: Expiring, at: number): void {
    const bucket = this.buckets.get(at);
    if (!bucket?.delete(member) || bucket.size > 0) return;
    this.buckets.delete(at);
    if (this.buckets.size === 0) this.disarm();
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(1, at - Date.now()));
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    // Node's timer clock and Date.now() may disagree by a millisecond: within it counts as due.
    const due = Date.now() + 1;
    let next = Number.POSITIVE_INFINITY;
    const expired: Set<Expiring>[] = [];
    for (const [at, bucket] of this.buckets) {
      if (at <= due) {
        this.buckets.delete(at);
        expired.push(bucket);
      } else if (at < next) next = at;
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
    for (const bucket of expired) for (const member of bucket) member.expire();
  }
}
