/** Upper bounds of the publish→write latency buckets, seconds. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** A snapshot of a {@link LatencyHistogram}: cumulative counts per bucket, Prometheus style. */
export interface HistogramSnapshot {
  /** `[upper bound in seconds, observations ≤ it]`, ascending; `+Inf` is `count`. */
  readonly buckets: ReadonlyArray<readonly [number, number]>;
  /** Sum of all observations, seconds. */
  readonly sum: number;
  readonly count: number;
}

/**
 * A fixed-bucket histogram of seconds. `observe` only increments numbers in place, so it
 * can sit on the delivery path (once per event per node, not per subscriber).
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(LATENCY_BUCKETS.length);
  private sum = 0;
  private count = 0;

  observe(seconds: number): void {
    const value = Math.max(seconds, 0);
    this.sum += value;
    this.count++;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (value <= (LATENCY_BUCKETS[i] as number)) {
        this.counts[i]!++;
        return;
      }
    }
  }

  snapshot(): HistogramSnapshot {
    let cumulative = 0;
    const buckets = LATENCY_BUCKETS.map((bound, i) => {
      cumulative += this.counts[i] as number;
      return [bound, cumulative] as const;
    });
    return { buckets, sum: this.sum, count: this.count };
  }
}
