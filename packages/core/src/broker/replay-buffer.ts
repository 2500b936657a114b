import type { StoredEvent } from './broker.js';

/** Bounds of one topic's replay buffer. */
export interface ReplayBounds {
  readonly maxEvents: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
}

/**
 * One topic's retained events, oldest first, bounded by count, bytes and age.
 * `trimmedSeq` remembers the newest sequence number ever dropped, which is what tells a
 * resume whether it would have a gap.
 */
export class ReplayBuffer {
  private events: StoredEvent[] = [];
  private start = 0;
  private bytes = 0;
  /**
   * Time of the oldest retained event, kept here so that an append does not read that event
   * (with a topic per user, it is cold in memory by then) to check its age.
   */
  private oldestTime = 0;
  /** Highest `seq` removed from this buffer (0 when nothing was). */
  trimmedSeq = 0;

  constructor(private readonly bounds: ReplayBounds) {}

  get size(): number {
    return this.events.length - this.start;
  }

  get lastSeq(): number {
    return this.events.at(-1)?.seq ?? this.trimmedSeq;
  }

  append(event: StoredEvent, now: number): void {
    if (this.size === 0) this.oldestTime = event.time;
    this.events.push(event);
    this.bytes += event.data.length;
    this.trim(now);
  }

  /** Events with `seq > after`, oldest first, at most `limit`. */
  after(after: number, limit: number, now: number): StoredEvent[] {
    this.trim(now);
    let lo = this.start;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid]!.seq <= after) lo = mid + 1;
      else hi = mid;
    }
    return this.events.slice(lo, Math.min(lo + limit, this.events.length));
  }

  private trim(now: number): void {
    const { maxEvents, maxBytes, maxAgeMs } = this.bounds;
    const oldest = now - maxAgeMs;
    while (this.size > 0) {
      if (this.size <= maxEvents && this.bytes <= maxBytes && this.oldestTime >= oldest) break;
      const first = this.events[this.start]!;
      this.bytes -= first.data.length;
      this.trimmedSeq = first.seq;
      this.start++;
      if (this.size > 0) this.oldestTime = this.events[this.start]!.time;
    }
    if (this.start > 64 && this.start * 2 > this.events.length) {
      this.events = this.events.slice(this.start);
      this.start = 0;
    }
  }
}
