import type { StoredEvent } from '../broker/broker.js';
import type { Subscriber } from '../hub/hub.js';
import type { DisconnectReason } from '../hub/stats.js';
import type { Cursor } from '../wire/event-id.js';
import { DeadlineSchedule, type Expiring } from './deadline-schedule.js';

/**
 * How a wait ended: woken by an event (read history to see what is new), answered from the
 * event itself (see {@link LongPollWaiter.wait}), the deadline, or the client leaving.
 */
export type WaitOutcome = 'event' | 'answered' | 'timeout' | 'closed';

/**
 * Answers a waiter with the one event it is missing, synchronously from the fan-out; returns
 * false, having written nothing, when live delivery cannot be trusted to be gapless (the
 * waiter then wakes and reads history).
 */
export type AnswerFromEvent = (event: StoredEvent) => boolean;

/** Every long-poll's deadline, on one timer. */
const deadlines = new DeadlineSchedule();

/** A wait in progress: how to end it and how to answer from the waking event. */
interface PendingWait {
  readonly resolve: (outcome: WaitOutcome) => void;
  readonly reject: (error: unknown) => void;
  /** What the waiter has read up to: nothing of its topics lies after it. */
  readonly position: Cursor;
  /** `<epoch>-` of `position`: an event of another epoch (a wiped broker) is not comparable. */
  readonly epochPrefix: string;
  readonly answer: AnswerFromEvent;
}

/**
 * A waiting long-poll: woken by the first event on any of its topics, its deadline, or the
 * client leaving.
 *
 * The fast path: a waiter waits only after reading that nothing of its topics lies after its
 * `position`, and it joined its topics before that read, so every event published since
 * reaches {@link deliver} in id order (the broker contract, which SSE streams rely on the same
 * way). The first event newer than `position` delivered while it waits is therefore exactly
 * what it is missing: it is answered with that event on the spot, inside the publish, with no
 * history read — as a hand-written server answers its waiters. An event that arrived before
 * the wait began, or one of another epoch, wakes the waiter instead, and it reads history.
 */
export class LongPollWaiter implements Subscriber, Expiring {
  private pending: PendingWait | undefined;
  /** The deadline schedule's key while the waiter is on it. */
  private deadline: number | undefined;
  private signalled = false;
  /** Set when the connection was ended from outside (client gone, hub closing), or answered. */
  endedBy: DisconnectReason | undefined;
  /** Sequence number of the newest event that woke this waiter (0 before any). */
  wokenBy = 0;

  deliver(event: StoredEvent, _frame: Buffer): void {
    if (event.seq > this.wokenBy) this.wokenBy = event.seq;
    const pending = this.pending;
    if (pending && event.seq > pending.position.seq && event.id.startsWith(pending.epochPrefix)) {
      // Off the deadline schedule later ({@link unschedule}): the answer goes out first.
      this.pending = undefined;
      // Answered: a later close (client gone, hub closing) does not change how it ended.
      this.endedBy = 'completed';
      try {
        if (pending.answer(event)) {
          pending.resolve('answered');
          return;
        }
      } catch (error) {
        // Never into the fan-out loop: the other subscribers still get the event.
        this.endedBy = undefined;
        this.unschedule();
        pending.reject(error);
        return;
      }
      this.endedBy = undefined;
      this.pending = pending;
    }
    this.signal('event');
  }

  close(reason: DisconnectReason): void {
    this.endedBy ??= reason;
    this.signal(reason === 'client-closed' ? 'closed' : 'timeout');
  }

  /**
   * Resolves on the next event (or one that arrived since the last wait), the deadline, or
   * close. Call it only once nothing of the waiter's topics lies after `position`: the first
   * newer event is then handed to `answer` at once, and the wait resolves `answered` (or
   * `event` if `answer` declined, or rejects with what `answer` threw).
   */
  wait(ms: number, position: Cursor, answer: AnswerFromEvent): Promise<WaitOutcome> {
    if (this.endedBy === 'client-closed') return Promise.resolve('closed');
    if (this.endedBy) return Promise.resolve('timeout');
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve('event');
    }
    return new Promise((resolve, reject) => {
      this.deadline = deadlines.add(this, ms);
      this.pending = { resolve, reject, position, epochPrefix: `${position.epoch}-`, answer };
    });
  }

  expire(): void {
    this.signal('timeout');
  }

  /** Takes the waiter off the deadline schedule, where a wait answered from the fan-out left it. */
  unschedule(): void {
    if (this.deadline === undefined) return;
    deadlines.delete(this, this.deadline);
    this.deadline = undefined;
  }

  private signal(outcome: WaitOutcome): void {
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      this.unschedule();
      pending.resolve(outcome);
    } else if (outcome === 'event') this.signalled = true;
  }
}
