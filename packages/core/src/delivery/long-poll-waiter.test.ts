import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../broker/broker.js';
import { LongPollWaiter, type WaitOutcome } from './long-poll-waiter.js';

const FRAME = Buffer.alloc(0);
const at = (epoch: string, seq: number) => ({ epoch, seq });
const event = (epoch: string, seq: number): StoredEvent => ({
  id: `${epoch}-${seq}`,
  seq,
  topic: 'a',
  event: undefined,
  data: 'x',
  time: 0,
});

/** A wait from `position`, recording what it was answered with and how it ended. */
function waitFrom(waiter: LongPollWaiter, position: { epoch: string; seq: number }) {
  const answered: StoredEvent[] = [];
  let outcome: WaitOutcome | Error | undefined;
  const done = waiter
    .wait(60_000, position, (e) => answered.push(e) > 0)
    .then(
      (o) => {
        outcome = o;
      },
      (error: Error) => {
        outcome = error;
      },
    );
  return { answered, done, outcome: () => outcome };
}

describe('LongPollWaiter', () => {
  it('answers the first event after its position synchronously, inside deliver', async () => {
    const waiter = new LongPollWaiter();
    const wait = waitFrom(waiter, at('e1', 4));
    waiter.deliver(event('e1', 5), FRAME);
    expect(wait.answered.map((e) => e.id)).toEqual(['e1-5']);
    // A second event before the request finishes is left to the next poll, not answered twice.
    waiter.deliver(event('e1', 6), FRAME);
    expect(wait.answered).toHaveLength(1);
    await wait.done;
    expect(wait.outcome()).toBe('answered');
    expect(waiter.endedBy).toBe('completed');
    waiter.close('client-closed');
    expect(waiter.endedBy).toBe('completed');
    waiter.unschedule();
  });

  it('wakes without answering for an event at or before its position (a late live delivery)', async () => {
    const waiter = new LongPollWaiter();
    const wait = waitFrom(waiter, at('e1', 4));
    waiter.deliver(event('e1', 4), FRAME);
    await wait.done;
    expect(wait.outcome()).toBe('event');
    expect(wait.answered).toEqual([]);
  });

  it('wakes without answering for an event of another epoch (a wiped broker)', async () => {
    const waiter = new LongPollWaiter();
    const wait = waitFrom(waiter, at('e1', 4));
    waiter.deliver(event('e2', 9), FRAME);
    await wait.done;
    expect(wait.outcome()).toBe('event');
    expect(wait.answered).toEqual([]);
  });

  it('does not answer an event that arrived before the wait began: that one is read from history', async () => {
    const waiter = new LongPollWaiter();
    waiter.deliver(event('e1', 5), FRAME);
    const wait = waitFrom(waiter, at('e1', 4));
    await wait.done;
    expect(wait.outcome()).toBe('event');
    expect(wait.answered).toEqual([]);
  });

  it('wakes to read history when the answer declines (live delivery not trusted)', async () => {
    const waiter = new LongPollWaiter();
    let offered = 0;
    const done = waiter.wait(60_000, at('e1', 4), () => {
      offered++;
      return false;
    });
    waiter.deliver(event('e1', 5), FRAME);
    expect(await done).toBe('event');
    expect(offered).toBe(1);
    expect(waiter.endedBy).toBeUndefined();
  });

  it('rejects the wait with what answering threw, and never throws into the fan-out', async () => {
    const waiter = new LongPollWaiter();
    const failure = new Error('head already sent');
    const done = waiter.wait(60_000, at('e1', 4), () => {
      throw failure;
    });
    expect(() => waiter.deliver(event('e1', 5), FRAME)).not.toThrow();
    await expect(done).rejects.toBe(failure);
    expect(waiter.endedBy).toBeUndefined();
    waiter.unschedule();
  });

  it('ends a wait on close without answering', async () => {
    const waiter = new LongPollWaiter();
    const wait = waitFrom(waiter, at('e1', 4));
    waiter.close('client-closed');
    waiter.deliver(event('e1', 5), FRAME);
    await wait.done;
    expect(wait.outcome()).toBe('closed');
    expect(wait.answered).toEqual([]);
  });
});
