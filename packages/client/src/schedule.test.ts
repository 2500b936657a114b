import { describe, expect, it } from 'vitest';
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  backoff,
  POLL_CEILING_MS,
  POLL_FLOOR_MS,
  POLL_JITTER,
  PollSchedule,
  QUIET_GROWTH,
  SLOW_RESPONSE_MS,
} from './schedule.js';

/** Random sources pinned to the ends and middle of [0, 1). */
const lowest = () => 0;
const middle = () => 0.5;
const highest = () => 0.999_999;

describe('backoff (full jitter)', () => {
  it('spreads over [0, base × 2^attempt) and is capped', () => {
    expect(backoff(0, 1000, 60_000, lowest)).toBe(0);
    expect(backoff(0, 1000, 60_000, highest)).toBe(999);
    expect(backoff(3, 1000, 60_000, highest)).toBe(7999);
    expect(backoff(20, 1000, 60_000, highest)).toBe(59_999);
  });
});

describe('PollSchedule', () => {
  it("follows the server's retryAfterMs, jittered ±10 %, capped at the ceiling", () => {
    const schedule = new PollSchedule(middle);
    expect(schedule.next({ events: 0, retryAfterMs: 5_000 })).toBe(5_000);
    expect(new PollSchedule(lowest).next({ events: 0, retryAfterMs: 5_000 })).toBe(
      5_000 * (1 - POLL_JITTER / 2),
    );
    expect(new PollSchedule(highest).next({ events: 0, retryAfterMs: 5_000 })).toBe(5_500);
    expect(schedule.next({ events: 0, retryAfterMs: 10 * POLL_CEILING_MS })).toBe(POLL_CEILING_MS);
    expect(schedule.next({ events: 0, retryAfterMs: 0 })).toBe(0);
  });

  it('without advice, polls at the floor after activity and stretches while quiet', () => {
    const schedule = new PollSchedule(middle);
    expect(schedule.next({ events: 3 })).toBe(POLL_FLOOR_MS);
    expect(schedule.next({ events: 0 })).toBe(POLL_FLOOR_MS * QUIET_GROWTH);
    expect(schedule.next({ events: 0 })).toBe(POLL_FLOOR_MS * QUIET_GROWTH ** 2);
    for (let i = 0; i < 20; i++) schedule.next({ events: 0 });
    expect(schedule.next({ events: 0 })).toBe(POLL_CEILING_MS);
    expect(schedule.next({ events: 1 })).toBe(POLL_FLOOR_MS);
  });

  it('backs off exponentially with full jitter on failures, capped, and recovers on success', () => {
    const schedule = new PollSchedule(highest);
    const windows = Array.from({ length: 8 }, () => schedule.next({ events: 0, failed: true }));
    expect(windows).toEqual(
      [1, 2, 4, 8, 16, 32, 60, 60].map((s) => Math.min(s * BACKOFF_BASE_MS, BACKOFF_CAP_MS) - 1),
    );
    expect(schedule.next({ events: 0, retryAfterMs: 1_000 })).toBe(1_100);
    expect(schedule.next({ events: 0, failed: true })).toBe(BACKOFF_BASE_MS - 1);
  });

  it('never retries before a Retry-After the server sent', () => {
    const schedule = new PollSchedule(lowest);
    expect(schedule.next({ events: 0, failed: true, retryAfterMs: 5_000 })).toBe(5_000);
  });

  it('treats slow answers as strain: never sooner than advised, backing off as they continue', () => {
    const schedule = new PollSchedule(highest);
    const slow = SLOW_RESPONSE_MS + 1;
    expect(schedule.next({ events: 1, retryAfterMs: 100, elapsedMs: slow })).toBe(999);
    expect(schedule.next({ events: 1, retryAfterMs: 100, elapsedMs: slow })).toBe(1_999);
    expect(schedule.next({ events: 1, retryAfterMs: 100, elapsedMs: 5 })).toBe(110);
  });

  it('keeps every delay within its jitter bounds', () => {
    for (let i = 0; i < 200; i++) {
      const schedule = new PollSchedule();
      const healthy = schedule.next({ events: 0, retryAfterMs: 2_000 });
      expect(healthy).toBeGreaterThanOrEqual(1_800);
      expect(healthy).toBeLessThanOrEqual(2_200);
      const failed = schedule.next({ events: 0, failed: true });
      expect(failed).toBeGreaterThanOrEqual(0);
      expect(failed).toBeLessThan(BACKOFF_BASE_MS);
    }
  });
});
