import type { Broker, HistoryResult } from '../broker/broker.js';
import type { Cursor } from '../wire/event-id.js';

/**
 * History reads of woken long-polls, shared: every waiter woken by the same event, on the
 * same topics and from the same position, gets the result of one `broker.history` call —
 * one read per batch of woken waiters, not one per waiter.
 *
 * Only waiters woken by the *same* event share a read, and that read starts after the event
 * was delivered, so it always contains the event (a read begun earlier might not). A read is
 * forgotten once it settles: a later wake reads afresh. Results are immutable, so sharing
 * one is safe.
 */
export class WakeReads {
  private readonly pending = new Map<string, Promise<HistoryResult>>();

  constructor(
    private readonly broker: Broker,
    private readonly limit: number,
  ) {}

  /** Events of `topics` after `position`, for a waiter woken by the event with seq `wokenBy`. */
  read(topics: readonly string[], position: Cursor, wokenBy: number): Promise<HistoryResult> {
    // Topic names cannot contain a space (see topic.ts), so the key is unambiguous.
    const key = `${wokenBy} ${position.epoch}-${position.seq} ${topics.join(' ')}`;
    let read = this.pending.get(key);
    if (!read) {
      read = this.broker.history(topics, position, this.limit);
      this.pending.set(key, read);
      const forget = (): void => {
        this.pending.delete(key);
      };
      read.then(forget, forget);
    }
    return read;
  }
}
