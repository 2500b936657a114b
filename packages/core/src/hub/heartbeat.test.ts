import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Beating, HEARTBEAT_SUB_TICK_MS, HeartbeatSchedule } from './heartbeat.js';

const SUB = HEARTBEAT_SUB_TICK_MS;

/** Records every beat: per member its times, and how many beats each sub-tick made. */
class Recorder {
  readonly slices = new Map<number, number>();
  readonly joined = new Map<Beating, number>();
  readonly left = new Map<Beating, number>();
  readonly beats = new Map<Beating, number[]>();

  member(): Beating {
    const member: Beating = {
      beat: () => {
        const now = performance.now();
        this.beats.get(member)?.push(now);
        this.slices.set(now, (this.slices.get(now) ?? 0) + 1);
      },
    };
    this.beats.set(member, []);
    return member;
  }

  join(schedule: HeartbeatSchedule, count: number): Beating[] {
    const members = Array.from({ length: count }, () => this.member());
    for (const member of members) {
      this.joined.set(member, performance.now());
      schedule.add(member);
    }
    return members;
  }

  leave(schedule: HeartbeatSchedule, member: Beating): void {
    this.left.set(member, performance.now());
    schedule.delete(member);
  }

  /** Every wait a member had for a beat: from joining, between beats, until now or leaving. */
  waits(until: number): number[] {
    const waits: number[] = [];
    for (const [member, times] of this.beats) {
      const points = [this.joined.get(member) ?? 0, ...times, this.left.get(member) ?? until];
      for (let i = 1; i < points.length; i++) waits.push((points[i] as number) - (points[i - 1] as number));
    }
    return waits;
  }

  /** Gaps between two beats of the same member. */
  gaps(): number[] {
    return [...this.beats.values()].flatMap((times) =>
      times.slice(1).map((t, i) => t - (times[i] as number)),
    );
  }

  get largestSlice(): number {
    return Math.max(0, ...this.slices.values());
  }
}

/** A small deterministic PRNG (mulberry32), so the churn test is the same every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('HeartbeatSchedule', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('beats every one of many members once per interval, a bounded slice per sub-tick', () => {
    const intervalMs = 15_000;
    const n = 5_000; // ≫ one slice (17 here)
    const schedule = new HeartbeatSchedule(intervalMs);
    const recorder = new Recorder();
    recorder.join(schedule, n); // a crowd, all at once
    vi.advanceTimersByTime(4 * intervalMs);
    const end = performance.now();

    for (const times of recorder.beats.values()) expect(times.length).toBeGreaterThanOrEqual(4);
    // Never later than the interval plus one sub-tick …
    expect(Math.max(...recorder.waits(end))).toBeLessThanOrEqual(intervalMs + SUB);
    // … and, with the same members, never twice within one interval (less one sub-tick).
    expect(Math.min(...recorder.gaps())).toBeGreaterThanOrEqual(intervalMs - SUB);
    // The crowd is spread at once: no sub-tick writes more than its share of the interval.
    expect(recorder.largestSlice).toBeLessThanOrEqual(Math.ceil((n * SUB) / intervalMs) + 1);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('keeps the bound while members join and leave mid-round', () => {
    const intervalMs = 5_000;
    const schedule = new HeartbeatSchedule(intervalMs);
    const recorder = new Recorder();
    const next = random(17);
    const live = recorder.join(schedule, 2_000);
    let most = live.length;
    // Every 30 ms for 4 intervals: a few join, a few random members leave; then mass departures.
    for (let t = 0; t < (4 * intervalMs) / 30; t++) {
      live.push(...recorder.join(schedule, Math.floor(next() * 12)));
      for (let k = Math.floor(next() * 10); k > 0; k--) {
        const [member] = live.splice(Math.floor(next() * live.length), 1);
        if (member) recorder.leave(schedule, member);
      }
      if (t === 400) for (const member of live.splice(0, live.length / 2)) recorder.leave(schedule, member);
      most = Math.max(most, live.length);
      vi.advanceTimersByTime(30);
    }
    vi.advanceTimersByTime(intervalMs);
    const end = performance.now();

    expect(Math.max(...recorder.waits(end))).toBeLessThanOrEqual(intervalMs + SUB);
    for (const [member, at] of recorder.left) {
      expect((recorder.beats.get(member) ?? []).every((time) => time <= at)).toBe(true);
    }
    // Joins speed the pace up a little (the members seen earlier are beaten a bit early) …
    expect(Math.min(...recorder.gaps())).toBeGreaterThanOrEqual(intervalMs / 2);
    // … and departures slow it down (the overdue are beaten on top of the pace); still no
    // sub-tick writes much more than the largest membership's share.
    expect(recorder.largestSlice).toBeLessThanOrEqual(Math.ceil((most * SUB) / intervalMs) + 2);
  });

  it('beats a lone member once per interval, waking once per interval', () => {
    const schedule = new HeartbeatSchedule(15_000);
    const recorder = new Recorder();
    const [member] = recorder.join(schedule, 1);
    vi.advanceTimersByTime(14_999);
    expect(recorder.beats.get(member as Beating)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(recorder.beats.get(member as Beating)).toEqual([15_000]);
    vi.advanceTimersByTime(15_000);
    expect(recorder.beats.get(member as Beating)).toEqual([15_000, 30_000]);
    expect(recorder.slices.size).toBe(2);
  });

  it('runs one unref’d timer, stops when the last member leaves, and starts again', () => {
    const schedule = new HeartbeatSchedule(1_000);
    const recorder = new Recorder();
    const members = recorder.join(schedule, 3);
    expect(vi.getTimerCount()).toBe(1);
    expect(schedule.size).toBe(3);
    for (const member of members) schedule.delete(member);
    expect(vi.getTimerCount()).toBe(0);
    const [again] = recorder.join(schedule, 1);
    vi.advanceTimersByTime(1_000);
    expect(recorder.beats.get(again as Beating)).toHaveLength(1);
    schedule.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5_000);
    expect(recorder.beats.get(again as Beating)).toHaveLength(1);
  });

  it('copes with a beat that ends its own stream or starts another', () => {
    const schedule = new HeartbeatSchedule(1_000);
    const beats: string[] = [];
    const late: Beating = { beat: () => beats.push('late') };
    const closing: Beating = {
      beat: () => {
        beats.push('closing');
        schedule.delete(closing); // a failed write ends the stream
        schedule.add(late);
      },
    };
    schedule.add(closing);
    vi.advanceTimersByTime(1_000);
    expect(beats).toEqual(['closing']);
    expect(schedule.size).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(beats).toEqual(['closing', 'late']);
  });
});
