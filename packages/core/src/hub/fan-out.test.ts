import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../broker/broker.js';
import { chunkedFraming, encodeEvent } from '../wire/sse-encoder.js';
import { FAN_OUT_SLICE, FanOut } from './fan-out.js';
import type { Subscriber } from './subscriber.js';

const event = (seq: number, topic = 't'): StoredEvent => ({
  id: `e-${seq}`,
  seq,
  topic,
  event: undefined,
  data: `data ${seq}`,
  time: 0,
});

/** Records what it is handed: each write (a frame, or a joined run) as its events' seqs. */
class Recorder implements Subscriber {
  readonly writes: number[][] = [];
  constructor(runs = true) {
    if (!runs) this.deliverRun = undefined;
  }
  deliver(e: StoredEvent, frame: Buffer): void {
    expect(frame.toString()).toBe(encodeEvent(e).toString());
    this.writes.push([e.seq]);
  }
  deliverRun?(events: readonly StoredEvent[], _frames: readonly Buffer[], joined: Buffer): void {
    expect(joined.toString()).toBe(events.map((e) => encodeEvent(e).toString()).join(''));
    this.writes.push(events.map((e) => e.seq));
  }
  close(): void {}
  get seqs(): number[] {
    return this.writes.flat();
  }
}

const recorders = (count: number, runs = true) =>
  new Set(Array.from({ length: count }, () => new Recorder(runs)));
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Turns of the event loop until `test` holds (bounded: a fan-out finishes in a few turns). */
async function until(test: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !test(); turn++) await nextTurn();
  expect(test()).toBe(true);
}

describe('FanOut', () => {
  it('hands a topic of up to one slice of subscribers its event at once, the same frame to each', () => {
    const subscribers = recorders(FAN_OUT_SLICE);
    const runs: number[] = [];
    const fanOut = new FanOut((events, count) => runs.push(events.length * count), 0);
    fanOut.add(subscribers, event(1));
    for (const s of subscribers) expect(s.writes).toEqual([[1]]);
    expect(runs).toEqual([FAN_OUT_SLICE]);
  });

  it('writes on past a slice within one turn while the time budget lasts', () => {
    const subscribers = recorders(FAN_OUT_SLICE * 3 + 1);
    const runs: number[] = [];
    const fanOut = new FanOut((events, count) => runs.push(events.length * count), 60_000);
    fanOut.add(subscribers, event(1));
    for (const s of subscribers) expect(s.writes).toEqual([[1]]);
    expect(runs).toEqual([FAN_OUT_SLICE * 3 + 1]);
  });

  it('writes a larger topic a slice per turn, and joins the events that queued meanwhile into one write each', async () => {
    const subscribers = recorders(FAN_OUT_SLICE * 2 + 1);
    const fanOut = new FanOut(() => {}, 0);
    for (let seq = 1; seq <= 5; seq++) fanOut.add(subscribers, event(seq));
    const all = [...subscribers];
    expect(all.filter((s) => s.writes.length > 0)).toHaveLength(FAN_OUT_SLICE);
    await until(() => all.every((s) => s.seqs.length === 5));
    for (const s of all) expect(s.writes).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('joins a run into one HTTP/1.1 chunk holding every frame in order', async () => {
    let joined: Buffer | undefined;
    const probe: Subscriber = {
      deliver() {},
      deliverRun(_events, _frames, buffer) {
        joined = buffer;
      },
      close() {},
    };
    const subscribers = new Set<Subscriber>([...recorders(FAN_OUT_SLICE), probe]);
    const fanOut = new FanOut(() => {}, 0);
    for (let seq = 1; seq <= 3; seq++) fanOut.add(subscribers, event(seq));
    await until(() => joined !== undefined);
    const text = [2, 3].map((seq) => encodeEvent(event(seq)).toString()).join('');
    expect(joined?.toString()).toBe(text);
    expect(chunkedFraming(joined as Buffer)?.toString()).toBe(`${text.length.toString(16)}\r\n${text}\r\n`);
  });

  it('keeps every event in order across topics for a subscriber of several', async () => {
    const big = recorders(FAN_OUT_SLICE * 2);
    const both = new Recorder();
    const a = new Set<Subscriber>([...big, both]);
    const b = new Set<Subscriber>([both]);
    const fanOut = new FanOut(() => {}, 0);
    fanOut.add(a, event(1, 'a'));
    fanOut.add(a, event(2, 'a'));
    fanOut.add(b, event(3, 'b'));
    fanOut.add(a, event(4, 'a'));
    fanOut.add(a, event(5, 'a'));
    await until(() => both.seqs.length === 5);
    expect(both.writes).toEqual([[1], [2], [3], [4, 5]]);
    for (const s of big) expect(s.seqs).toEqual([1, 2, 4, 5]);
  });

  it('calls deliver for each event of a run when a subscriber has no deliverRun', async () => {
    const subscribers = recorders(FAN_OUT_SLICE + 1, false);
    const fanOut = new FanOut(() => {}, 0);
    for (let seq = 1; seq <= 3; seq++) fanOut.add(subscribers, event(seq));
    await until(() => [...subscribers].every((s) => s.seqs.length === 3));
    for (const s of subscribers) expect(s.writes).toEqual([[1], [2], [3]]);
  });

  it('queues an event published from inside a delivery behind the one being delivered', () => {
    const fanOut = new FanOut(() => {}, 0);
    const subscribers = new Set<Subscriber>();
    const first = new Recorder();
    const publisher: Subscriber = {
      deliver(e) {
        first.writes.push([e.seq]);
        if (e.seq === 1) fanOut.add(subscribers, event(2));
      },
      close() {},
    };
    const last = new Recorder();
    subscribers.add(publisher).add(last);
    fanOut.add(subscribers, event(1));
    expect(first.seqs).toEqual([1, 2]);
    expect(last.seqs).toEqual([1, 2]);
  });

  it('still delivers to the others, and drains its queue, when a subscriber throws', async () => {
    const fanOut = new FanOut(() => {}, 0);
    const before = new Recorder();
    const after = new Recorder();
    const thrower: Subscriber = {
      deliver() {
        throw new Error('boom');
      },
      close() {},
    };
    const subscribers = new Set<Subscriber>([before, thrower, after]);
    expect(() => fanOut.add(subscribers, event(1))).toThrow('boom');
    fanOut.add(new Set([before]), event(2));
    await until(() => after.seqs.length === 1 && before.seqs.length === 2);
    expect(after.seqs).toEqual([1]);
    expect(before.seqs).toEqual([1, 2]);
  });

  it('reports each run once it reached every subscriber', async () => {
    const reported: [number[], number][] = [];
    const fanOut = new FanOut((events, count) => reported.push([events.map((e) => e.seq), count]), 0);
    const subscribers = recorders(FAN_OUT_SLICE + 1);
    fanOut.add(subscribers, event(1));
    fanOut.add(subscribers, event(2));
    fanOut.add(subscribers, event(3));
    expect(reported).toEqual([]);
    await until(() => reported.length === 2);
    expect(reported).toEqual([
      [[1], FAN_OUT_SLICE + 1],
      [[2, 3], FAN_OUT_SLICE + 1],
    ]);
  });
});
