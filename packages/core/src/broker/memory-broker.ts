import { LRUCache } from 'lru-cache';
import { RETENTION_SCHEMA } from '../config/option-schema.js';
import { checkOptions } from '../config/validate.js';
import { type Cursor, formatEventId, newEpoch } from '../wire/event-id.js';
import type {
  Broker,
  EventListener,
  HistoryResult,
  PublishRequest,
  RetentionOptions,
  StoredEvent,
} from './broker.js';
import { type ReplayBounds, ReplayBuffer } from './replay-buffer.js';
import { wellFormed } from './well-formed.js';

/** Retention defaults shared by every broker. */
export const DEFAULT_RETENTION: Required<RetentionOptions> = {
  maxEvents: 1000,
  maxBytes: 1024 * 1024,
  maxAgeMs: 10 * 60_000,
  maxTopics: 10_000,
};

/**
 * The default broker: history and fan-out inside one process. Its epoch is new for every
 * instance, so an id from before a restart is recognized as foreign and answered with a reset.
 */
export class MemoryBroker implements Broker {
  readonly epoch = newEpoch();
  private seq = 0;
  private readonly bounds: ReplayBounds;
  /**
   * Each topic's listeners: the one listener itself, as a hub has (it subscribes once per
   * topic), or a set of several. A lone listener is called without a set to go through.
   */
  private readonly listeners = new Map<string, EventListener | Set<EventListener>>();
  private readonly buffers: LRUCache<string, ReplayBuffer>;
  /** Last trimmed seq of topics whose buffer was evicted, so their resumes still detect gaps. */
  private readonly evicted: LRUCache<string, number>;
  /** Newest seq of any topic forgotten entirely; an unknown topic resuming before it must reset. */
  private forgottenSeq = 0;

  constructor(
    retention: RetentionOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    checkOptions('new MemoryBroker()', retention, RETENTION_SCHEMA);
    // A field given as undefined takes its default, as in the Redis and NATS brokers.
    const options: Required<RetentionOptions> = {
      maxEvents: retention.maxEvents ?? DEFAULT_RETENTION.maxEvents,
      maxBytes: retention.maxBytes ?? DEFAULT_RETENTION.maxBytes,
      maxAgeMs: retention.maxAgeMs ?? DEFAULT_RETENTION.maxAgeMs,
      maxTopics: retention.maxTopics ?? DEFAULT_RETENTION.maxTopics,
    };
    this.bounds = options;
    this.evicted = new LRUCache<string, number>({
      max: options.maxTopics,
      dispose: (seq) => {
        this.forgottenSeq = Math.max(this.forgottenSeq, seq);
      },
    });
    this.buffers = new LRUCache<string, ReplayBuffer>({
      max: options.maxTopics,
      dispose: (buffer, topic, reason) => {
        if (reason === 'evict' && buffer.lastSeq > 0) this.evicted.set(topic, buffer.lastSeq);
      },
    });
  }

  async publish(request: PublishRequest): Promise<StoredEvent> {
    return this.publishNow(request);
  }

  /** Synchronous publish: appends, then calls every listener before returning. */
  publishNow({ topic, event, data: sent }: PublishRequest): StoredEvent {
    const data = wellFormed(sent);
    const seq = ++this.seq;
    const time = this.now();
    const stored: StoredEvent = { id: formatEventId(this.epoch, seq), seq, topic, event, data, time };
    let buffer = this.buffers.get(topic);
    if (!buffer) {
      buffer = new ReplayBuffer(this.bounds);
      // Its tombstone, else the watermark of tombstones folded away (it may have been one of them).
      buffer.trimmedSeq = this.evicted.get(topic) ?? this.forgottenSeq;
      this.evicted.delete(topic);
      this.buffers.set(topic, buffer);
    }
    buffer.append(stored, time);
    const listeners = this.listeners.get(topic);
    if (typeof listeners === 'function') listeners(stored);
    else if (listeners) for (const listener of listeners) listener(stored);
    return stored;
  }

  async head(): Promise<Cursor> {
    return { epoch: this.epoch, seq: this.seq };
  }

  async history(topics: readonly string[], after: Cursor, limit: number): Promise<HistoryResult> {
    if (after.epoch !== this.epoch || after.seq > this.seq) {
      return { reset: true, reason: 'unknown', head: { epoch: this.epoch, seq: this.seq } };
    }
    const now = this.now();
    const events: StoredEvent[] = [];
    for (const topic of topics) {
      const buffer = this.buffers.get(topic);
      const trimmedSeq = buffer ? buffer.trimmedSeq : (this.evicted.get(topic) ?? this.forgottenSeq);
      if (buffer) events.push(...buffer.after(after.seq, limit + 1, now));
      if (after.seq < (buffer ? buffer.trimmedSeq : trimmedSeq)) {
        return { reset: true, reason: 'expired', head: { epoch: this.epoch, seq: this.seq } };
      }
    }
    if (topics.length > 1) events.sort((a, b) => a.seq - b.seq);
    const more = events.length > limit;
    return { reset: false, events: more ? events.slice(0, limit) : events, more };
  }

  async retained(topic: string): Promise<number> {
    return this.buffers.peek(topic)?.size ?? 0;
  }

  async subscribe(topic: string, listener: EventListener): Promise<() => void> {
    const current = this.listeners.get(topic);
    if (current === undefined) this.listeners.set(topic, listener);
    else if (typeof current === 'function') {
      if (current !== listener) this.listeners.set(topic, new Set([current, listener]));
    } else current.add(listener);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.unsubscribe(topic, listener);
    };
  }

  private unsubscribe(topic: string, listener: EventListener): void {
    const current = this.listeners.get(topic);
    if (current === listener) this.listeners.delete(topic);
    else if (typeof current === 'object') {
      current.delete(listener);
      const [sole, other] = current;
      if (sole === undefined) this.listeners.delete(topic);
      else if (other === undefined) this.listeners.set(topic, sole);
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
