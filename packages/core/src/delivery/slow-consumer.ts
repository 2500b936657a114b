import type { StoredEvent } from '../broker/broker.js';
import type { SlowConsumerOption, SlowConsumerPolicy } from '../hub/options.js';
import { encodeEvent } from '../wire/sse-encoder.js';

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

/**
 * Unsent bytes a `drop-oldest` / `latest` stream may have queued in its socket before it counts
 * as behind: half of `maxBufferedBytes`. Below that every event goes straight to the socket —
 * a burst, or a reader descheduled for a moment, is not a slow consumer. Past it, the newest
 * events wait in a {@link Backlog} bounded by the other half, so socket and backlog together
 * stay within `maxBufferedBytes` (plus the one frame that crossed the line).
 */
export function behindBytes(maxBufferedBytes: number): number {
  return Math.floor(maxBufferedBytes / 2);
}

interface Entry {
  readonly id: string;
  readonly topic: string;
  /** `null` once sent, dropped, or superseded by a newer event of its topic (`latest`). */
  frame: Buffer | null;
}

/**
 * Frames a stream that is behind holds back instead of queueing them in its socket: bounded by
 * bytes, oldest dropped first (`drop-oldest`), and additionally to one per topic (`latest`).
 * Frames are the shared buffers of the fan-out: holding one costs a reference, not a copy.
 */
export class Backlog {
  private entries: Entry[] = [];
  private head = 0;
  /** Superseded entries still in `entries` (their frames already released). */
  private superseded = 0;
  private bytes = 0;
  /** `latest`: the entry of each topic still waiting. */
  private readonly newest = new Map<string, Entry>();
  /** Id of the newest event dropped since the client last caught up. */
  private droppedId: string | undefined;

  constructor(
    private readonly policy: 'drop-oldest' | 'latest',
    private readonly maxBytes: number,
  ) {}

  /** Bytes held back. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Holds `frame` back; returns how many held events it displaced (dropped or superseded). */
  add(event: StoredEvent, frame: Buffer): number {
    let displaced = 0;
    const entry: Entry = { id: event.id, topic: event.topic, frame };
    if (this.policy === 'latest') {
      const previous = this.newest.get(event.topic);
      if (previous?.frame) {
        this.bytes -= previous.frame.length;
        previous.frame = null;
        this.superseded++;
        displaced++;
      }
      this.newest.set(event.topic, entry);
    }
    this.entries.push(entry);
    this.bytes += frame.length;
    while (this.bytes > this.maxBytes && this.bytes > frame.length) {
      this.dropOldest();
      displaced++;
    }
    const dead = this.head + this.superseded;
    if (dead > 64 && dead * 2 > this.entries.length) this.compact();
    return displaced;
  }

  /**
   * The next frame to send, or `undefined` once everything went out: first an `event: reset`
   * (reason `dropped`) if anything was dropped, then the held events in order.
   */
  shift(): Buffer | undefined {
    if (this.droppedId !== undefined) {
      const cursor = this.droppedId;
      this.droppedId = undefined;
      return encodeEvent({ id: cursor, event: 'reset', data: JSON.stringify({ reason: 'dropped', cursor }) });
    }
    const entry = this.take();
    if (entry === undefined) return undefined;
    const frame = entry.frame as Buffer;
    this.release(entry, frame);
    return frame;
  }

  /** Drops the oldest held event; the client learns of the gap by a `reset` before the rest. */
  private dropOldest(): void {
    const entry = this.take();
    if (entry === undefined) return;
    this.release(entry, entry.frame as Buffer);
    this.droppedId = entry.id;
  }

  /** The oldest entry still holding a frame, removed from the queue. */
  private take(): Entry | undefined {
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head++] as Entry;
      if (entry.frame !== null) return entry;
      this.superseded--;
    }
    this.entries = [];
    this.head = 0;
    return undefined;
  }

  private release(entry: Entry, frame: Buffer): void {
    this.bytes -= frame.length;
    entry.frame = null;
    if (this.newest.get(entry.topic) === entry) this.newest.delete(entry.topic);
  }

  private compact(): void {
    this.entries = this.entries.slice(this.head).filter((entry) => entry.frame !== null);
    this.head = 0;
    this.superseded = 0;
  }
}
