/** Anything whose credentials can run out: an open SSE stream. */
export interface Expiring {
  /** Called once, at or after the credentials' expiry. */
  expire(): void;
}

/** How often expiries are checked, ms: the granularity of closing an expired stream. */
export const EXPIRY_RESOLUTION_MS = 1_000;

/**
 * One timer per hub for every stream whose token expires: members are grouped in buckets of
 * {@link EXPIRY_RESOLUTION_MS}; each tick expires the buckets that are due. Adding and
 * removing a member is O(1), and there is never a timer per connection. The timer runs only
 * while some member is waiting.
 */
export class ExpirySchedule {
  /** Bucket (expiry rounded up to the resolution) → its members. */
  private readonly buckets = new Map<number, Set<Expiring>>();
  private readonly bucketOf = new Map<Expiring, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** Calls `member.expire()` within {@link EXPIRY_RESOLUTION_MS} after `expiresAt` (epoch ms). */
  add(member: Expiring, expiresAt: number): void {
    this.delete(member);
    const bucket = Math.ceil(expiresAt / EXPIRY_RESOLUTION_MS) * EXPIRY_RESOLUTION_MS;
    let members = this.buckets.get(bucket);
    if (!members) {
      members = new Set();
      this.buckets.set(bucket, members);
    }
    members.add(member);
    this.bucketOf.set(member, bucket);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), EXPIRY_RESOLUTION_MS);
      this.timer.unref();
    }
  }

  delete(member: Expiring): void {
    const bucket = this.bucketOf.get(member);
    if (bucket === undefined) return;
    this.bucketOf.delete(member);
    const members = this.buckets.get(bucket);
    members?.delete(member);
    if (members?.size === 0) this.buckets.delete(bucket);
    if (this.bucketOf.size === 0) this.stop();
  }

  /** Members waiting for their expiry. */
  get size(): number {
    return this.bucketOf.size;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = this.now();
    for (const [bucket, members] of this.buckets) {
      if (bucket > now) continue;
      for (const member of members) {
        this.delete(member);
        member.expire();
      }
    }
  }
}
