import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../broker/broker.js';
import { encodeEvent } from '../wire/sse-encoder.js';
import { Backlog, behindBytes, policyFor } from './slow-consumer.js';

/** Topics of two characters, like `t0`…`t2` below: the frame carries the topic in its id: field. */
const event = (seq: number, topic = 'tt'): StoredEvent => ({
  id: `e-${String(seq).padStart(6, '0')}`, // one frame length for every event
  seq,
  topic,
  event: undefined,
  data: `${seq}`.padEnd(90, 'x'),
  time: 0,
});

/** Adds events, returning the frames' total displaced count. */
function fill(backlog: Backlog, events: StoredEvent[]): number {
  let displaced = 0;
  for (const e of events) displaced += backlog.add(e, encodeEvent(e));
  return displaced;
}

/** Everything the backlog lets out, as text. */
function drain(backlog: Backlog): string[] {
  const out: string[] = [];
  for (let frame = backlog.shift(); frame !== undefined; frame = backlog.shift()) out.push(frame.toString());
  return out;
}

const seqOf = (frame: string) => Number(/^id: e-(\d+)/.exec(frame)?.[1]);
const FRAME = encodeEvent(event(1)).length;

describe('Backlog', () => {
  it('drop-oldest: keeps the newest within its bytes, then lets out a reset naming the newest dropped, then them in order', () => {
    const backlog = new Backlog('drop-oldest', 10 * FRAME);
    const displaced = fill(
      backlog,
      Array.from({ length: 25 }, (_, i) => event(i + 1)),
    );
    expect(displaced).toBe(15);
    expect(backlog.heldBytes).toBe(10 * FRAME);
    const [reset, ...rest] = drain(backlog);
    expect(reset).toBe(`id: e-000015\nevent: reset\ndata: {"reason":"dropped","cursor":"e-000015"}\n\n`);
    expect(rest.map(seqOf)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(backlog.heldBytes).toBe(0);
    expect(backlog.shift()).toBeUndefined();
  });

  it('latest: keeps the newest event per topic, in publish order, and counts the superseded ones', () => {
    const backlog = new Backlog('latest', 1_000 * FRAME);
    const events = Array.from({ length: 30 }, (_, i) => event(i + 1, `t${i % 3}`));
    expect(fill(backlog, events)).toBe(27);
    expect(backlog.heldBytes).toBe(3 * FRAME);
    expect(drain(backlog).map(seqOf)).toEqual([28, 29, 30]);
  });

  it('latest: a long stall on one topic holds one frame and a bounded queue, not every superseded frame', () => {
    const backlog = new Backlog('latest', 1_000 * FRAME);
    fill(
      backlog,
      Array.from({ length: 20_000 }, (_, i) => event(i + 1)),
    );
    expect(backlog.heldBytes).toBe(FRAME);
    // The queue compacts: its length stays near the live entries, whatever was superseded.
    expect((backlog as unknown as { entries: unknown[] }).entries.length).toBeLessThan(200);
    expect(drain(backlog).map(seqOf)).toEqual([20_000]);
  });

  it('latest: past its bytes, drops the oldest topic’s event and announces it with a reset', () => {
    const backlog = new Backlog('latest', 2 * FRAME);
    expect(fill(backlog, [event(1, 'a'), event(2, 'b'), event(3, 'c')])).toBe(1);
    const [reset, ...rest] = drain(backlog);
    expect(reset).toContain('"cursor":"e-000001"');
    expect(rest.map(seqOf)).toEqual([2, 3]);
  });

  it('always keeps the newest event, even one larger than its bytes', () => {
    const backlog = new Backlog('drop-oldest', FRAME / 2);
    expect(fill(backlog, [event(1), event(2)])).toBe(1);
    expect(drain(backlog).slice(1).map(seqOf)).toEqual([2]);
  });
});

describe('slow-consumer thresholds and policies', () => {
  it('a stream is behind past half of maxBufferedBytes', () => {
    expect(behindBytes(1024 * 1024)).toBe(512 * 1024);
  });

  it('a stream of several topics follows the strictest of their policies', () => {
    const option = (topic: string) => (topic.startsWith('ticker') ? 'latest' : 'drop-oldest');
    expect(policyFor(option, ['ticker:a'])).toBe('latest');
    expect(policyFor(option, ['ticker:a', 'orders'])).toBe('drop-oldest');
    expect(policyFor('disconnect', ['ticker:a'])).toBe('disconnect');
  });
});
