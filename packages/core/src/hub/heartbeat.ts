/** Anything the shared heartbeat can ping. */
export interface Beating {
  beat(): void;
}

/** The shortest pause between two sub-ticks of the heartbeat, ms. */
export const HEARTBEAT_SUB_TICK_MS = 50;

/**
 * One timer for every stream of a hub, beating them a slice at a time: each sub-tick (at most
 * every {@link HEARTBEAT_SUB_TICK_MS}) writes the comment to the next `members × elapsed /
 * intervalMs` streams in round-robin order, so a node with 12,500 streams writes ~42 of them
 * every 50 ms instead of all 12,500 in one synchronous loop (which stalled the event loop, and
 * every delivery waiting on it, for 0.1–1.6 s on a loaded box). A stream is also beaten at the
 * first sub-tick once `intervalMs` has passed since its last beat (or since it joined), so no
 * stream ever waits longer than the interval plus one sub-tick, whatever joins and leaves.
 *
 * Streams join and leave in O(1) (a `Map` in beat order: a beaten stream moves to the back);
 * there is never a timer per connection. The one timer is unref'd, and stops when the last
 * stream leaves.
 */
export class HeartbeatSchedule {
  /** Member → when it is due at the latest (`performance.now()` ms); iteration order is beat order. */
  private readonly members = new Map<Beating, number>();
  private timer: NodeJS.Timeout | undefined;
  /** When the timer fires (`performance.now()` ms). */
  private wakeAt = 0;
  /** When the last sub-tick ran (`performance.now()` ms). */
  private lastTick = 0;
  /** Beats earned by the even pace and not yet spent; below zero after overdue beats. */
  private credit = 0;

  constructor(private readonly intervalMs: number) {}

  add(member: Beating): void {
    if (this.members.has(member)) return;
    const now = performance.now();
    this.members.set(member, now + this.intervalMs);
    if (!this.timer) {
      this.lastTick = now;
      this.credit = 0;
    } else if (this.wakeAt - now > HEARTBEAT_SUB_TICK_MS) {
      // A long wait was armed for fewer members: the pace just rose, so re-arm (this happens
      // only while the pace is below one beat per sub-tick, i.e. for the first few hundred).
      this.accrue(now);
      clearTimeout(this.timer);
    } else return;
    this.schedule(now);
  }

  delete(member: Beating): void {
    this.members.delete(member);
    if (this.members.size === 0) this.stop();
  }

  /** Streams currently beating. */
  get size(): number {
    return this.members.size;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const timer = this.timer;
    const now = performance.now();
    const count = this.members.size;
    this.accrue(now);
    const next = now + this.intervalMs;
    let beaten = 0;
    // The front of the map waited longest: take the paced share, and whoever is overdue.
    for (const [member, due] of this.members) {
      if (beaten >= count || (beaten >= this.credit && due > now)) break;
      beaten++;
      this.members.delete(member);
      this.members.set(member, next);
      member.beat(); // may end the stream, which deletes it
    }
    this.credit -= beaten;
    // Unless stopped (or stopped and started again) by what the beats did.
    if (this.timer === timer) this.schedule(now);
  }

  /**
   * Earns the beats of the time since the last sub-tick: `size` per interval. Capped at one
   * sub-tick's share (plus one), so a late tick never makes one long loop.
   */
  private accrue(now: number): void {
    const count = this.members.size;
    const cap = (count * HEARTBEAT_SUB_TICK_MS) / this.intervalMs + 1;
    this.credit += Math.min((count * (now - this.lastTick)) / this.intervalMs, cap);
    this.lastTick = now;
  }

  /** Arms the next sub-tick: when the pace has earned a beat, or the front is due. */
  private schedule(now: number): void {
    const front = this.members.values().next().value ?? now;
    const earned = ((1 - this.credit) * this.intervalMs) / this.members.size;
    const wait = Math.max(HEARTBEAT_SUB_TICK_MS, Math.ceil(Math.min(front - now, earned)));
    this.wakeAt = now + wait;
    this.timer = setTimeout(() => this.tick(), wait);
    this.timer.unref();
  }
}
