import { createHub } from '@tidings/core';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';

/**
 * Issue 17: the shared heartbeat wrote to every stream of a node in one synchronous loop per
 * interval — 40–130 ms of CPU at 5,000–6,700 streams, 0.1–1.6 s of wall time on a loaded box,
 * during which every event for that node waited (the per-user p99 of the scale run). A hub's
 * heartbeat now writes a slice per 50 ms sub-tick, and every stream still gets its beat within
 * the interval.
 */
beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

it('never beats every stream of a hub in one go', () => {
  const heartbeatMs = 15_000;
  const hub = createHub({ heartbeatMs });
  const beatsAt = new Map<number, number>();
  const streams = 10_000;
  const beaten = new Set<number>();
  for (let i = 0; i < streams; i++) {
    hub.heartbeat.add({
      beat() {
        beaten.add(i);
        const now = performance.now();
        beatsAt.set(now, (beatsAt.get(now) ?? 0) + 1);
      },
    });
  }
  vi.advanceTimersByTime(heartbeatMs);
  expect(beaten.size).toBe(streams);
  // ~34 per 50 ms sub-tick; the old loop wrote all 10,000 at once.
  expect(Math.max(...beatsAt.values())).toBeLessThanOrEqual(Math.ceil((streams * 50) / heartbeatMs) + 1);
  hub.heartbeat.stop();
});
