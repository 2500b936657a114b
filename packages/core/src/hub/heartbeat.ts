/** Anything the shared heartbeat can ping. */
export interface Beating {
  beat(): void;
}

/**
 * One timer for every stream of a hub: each tick writes the same comment bytes to all of
 * them. Streams join and leave in O(1); there is never a timer per connection.
 */
export class HeartbeatSchedule {
  private readonly members = new Set<Beating>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  add(member: Beating): void {
    this.members.add(member);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
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
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    for (const member of this.members) member.beat();
  }
}
