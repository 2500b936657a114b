/** Bounds of {@link waitForCount}. */
export interface ProgressBounds {
  /** Fail when the count has not grown for this long, ms. Default 30,000. */
  stallMs?: number;
  /** Fail after this long in all, ms. Default 180,000. */
  maxMs?: number;
  /** What is counted, for the failure message. */
  what?: string;
}

/**
 * Waits until `read()` reaches `target` for as long as it keeps growing: fails once it has not
 * grown for `stallMs`, or after `maxMs` in all. For counts a loaded machine makes slow but not
 * stuck — a thousand clients reconnecting at load average 30 on 2 cores — where one fixed
 * timeout is either too short there or hides a real stall for minutes on a quiet machine.
 */
export async function waitForCount(
  read: () => number,
  target: number,
  bounds: ProgressBounds = {},
): Promise<void> {
  const { stallMs = 30_000, maxMs = 180_000, what = 'count' } = bounds;
  const started = Date.now();
  let best = read();
  let grewAt = started;
  while (best < target) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = Date.now();
    const value = read();
    if (value > best) {
      best = value;
      grewAt = now;
    }
    if (best >= target) return;
    if (now - grewAt > stallMs || now - started > maxMs) {
      const why = now - grewAt > stallMs ? `no progress for ${stallMs} ms` : `still short after ${maxMs} ms`;
      throw new Error(`${what}: ${best} of ${target} (${why})`);
    }
  }
}
