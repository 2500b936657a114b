import type { StoredEvent } from './broker.js';
import { encodeEvent } from './sse-encoder.js';
import type { ResponseSink } from './transport.js';

/**
 * What happens to a stream whose client reads slower than events arrive:
 * - `disconnect` (default): close it once `maxBufferedBytes` are unsent; the client resumes
 *   by id, losing nothing.
 * - `drop-oldest`: hold back at most `maxBufferedBytes` of newest events; older ones are
 *   dropped, and the client is told with `event: reset` (reason `dropped`) before the rest.
 * - `latest`: hold back only the newest event of each topic (tickers, presence); the
 *   superseded ones are skipped silently — that is the contract of the policy.
 */
export type SlowConsumerPolicy = 'disconnect' | 'drop-oldest' | 'latest';

/** The policy option: one for the hub, or one per topic. */
export type SlowConsumerOption = SlowConsumerPolicy | ((topic: string) => SlowConsumerPolicy);

const STRICTNESS: Record<SlowConsumerPolicy, number> = { disconnect: 2, 'drop-oldest': 1, latest: 0 };

/** A stream's policy: the strictest of its topics' (a stream never loses what one topic must keep). */
export function policyFor(option: SlowConsumerOption, topics: readonly string[]): SlowConsumerPolicy {
  if (typeof option === 'string') return option;
  let policy: SlowConsumerPolicy = 'latest';
  for (const topic of topics) {
    const candidate = option(topic);
    if (STRICTNESS[candidate] > STRICTNESS[policy]) policy = candidate;
  }
  return policy;
}

interface Entry {
  readonly id: string;
  readonly topic: string;
  readonly frame: Buffer;
  superseded: boolean;
}

/**
 * Frames a backed-up stream holds back instead of queueing them in the socket, bounded by
 * bytes (`drop-oldest`) and additionally by one per topic (`latest`). Frames are the shared
 * buffers of the fan-out: holding one costs a reference, not a copy.
 */
export class Backlog {
  private entries: Entry[] = [];
  private head = 0;
  private bytes = 0;
  private readonly newest = new Map<string, Entry>();
  /** Id of the newest event dropped since the client last caught up. */
  private droppedId: string | undefined;

  constructor(
    private readonly policy: 'drop-oldest' | 'latest',
    private readonly maxBytes: number,
  ) {}

  /** Bytes held back (superseded frames excluded). */
  get heldBytes(): number {
    return this.bytes;
  }

  add(event: StoredEvent, frame: Buffer): void {
    const entry: Entry = { id: event.id, topic: event.topic, frame, superseded: false };
    if (this.policy === 'latest') {
      const previous = this.newest.get(event.topic);
      if (previous) {
        previous.superseded = true;
        this.bytes -= previous.frame.length;
      }
      this.newest.set(event.topic, entry);
    }
    this.entries.push(entry);
    this.bytes += frame.length;
    while (this.bytes > this.maxBytes && this.head < this.entries.length - 1) this.dropOldest();
    if (this.head > 1024 && this.head * 2 > this.entries.length) this.compact();
  }

  /**
   * Writes what is held back — a `reset` first if anything was dropped — until the sink is
   * full again. Returns true once everything went out.
   */
  drainInto(sink: ResponseSink): boolean {
    if (this.droppedId !== undefined) {
      const cursor = this.droppedId;
      this.droppedId = undefined;
      const reset = encodeEvent({
        id: cursor,
        event: 'reset',
        data: JSON.stringify({ reason: 'dropped', cursor }),
      });
      if (!sink.write(reset)) return false;
    }
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head++] as Entry;
      if (entry.superseded) continue;
      this.bytes -= entry.frame.length;
      if (this.newest.get(entry.topic) === entry) this.newest.delete(entry.topic);
      if (!sink.write(entry.frame)) return this.head >= this.entries.length && this.droppedId === undefined;
    }
    this.entries = [];
    this.head = 0;
    return true;
  }

  private dropOldest(): void {
    const entry = this.entries[this.head++] as Entry;
    if (entry.superseded) return;
    this.bytes -= entry.frame.length;
    if (this.newest.get(entry.topic) === entry) this.newest.delete(entry.topic);
    this.droppedId = entry.id;
  }

  private compact(): void {
    this.entries = this.entries.slice(this.head).filter((entry) => !entry.superseded);
    this.head = 0;
  }
}

/** Anything the flush schedule can retry: returns true when it has nothing left to write. */
export interface Flushable {
  flush(): boolean;
}

/** How often backed-up streams are offered to write again, ms. */
export const FLUSH_INTERVAL_MS = 25;

/**
 * One timer per hub for every stream holding a backlog: each tick lets them write what the
 * socket now accepts. Runs only while some stream is backed up; never a timer per stream.
 */
export class FlushSchedule {
  private readonly members = new Set<Flushable>();
  private timer: NodeJS.Timeout | undefined;

  add(member: Flushable): void {
    this.members.add(member);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  delete(member: Flushable): void {
    this.members.delete(member);
    if (this.members.size === 0) this.stop();
  }

  get size(): number {
    return this.members.size;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    for (const member of this.members) if (member.flush()) this.delete(member);
  }
}
