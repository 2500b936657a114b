import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineSchedule, type Expiring } from './deadline-schedule.js';

const member = (): Expiring & { expired: number } => ({
  expired: 0,
  expire() {
    this.expired++;
  },
});

describe('DeadlineSchedule', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('expires a member at its deadline, never before, at most one grain after', () => {
    const schedule = new DeadlineSchedule();
    const a = member();
    schedule.add(a, 1000);
    vi.advanceTimersByTime(999);
    expect(a.expired).toBe(0);
    vi.advanceTimersByTime(26);
    expect(a.expired).toBe(1);
  });

  it('runs one timer for many deadlines, earliest first, and re-arms for the next', () => {
    const schedule = new DeadlineSchedule();
    const late = member();
    const early = member();
    schedule.add(late, 5000);
    schedule.add(early, 100);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(125);
    expect([early.expired, late.expired]).toEqual([1, 0]);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(4900);
    expect(late.expired).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('forgets a deleted member and stops the timer once nothing is pending', () => {
    const schedule = new DeadlineSchedule();
    const a = member();
    const b = member();
    const atA = schedule.add(a, 200);
    const atB = schedule.add(b, 200);
    schedule.delete(a, atA);
    vi.advanceTimersByTime(300);
    expect([a.expired, b.expired]).toEqual([0, 1]);
    schedule.delete(b, atB);
    const c = member();
    schedule.delete(c, schedule.add(c, 10_000));
    expect(vi.getTimerCount()).toBe(0);
  });
});
