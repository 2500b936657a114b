/** Delivery latencies (µs) and, per event number, when its fan-out completed. */
export class Recorder {
  samples = new Float64Array(1 << 20);
  count = 0;
  dropped = 0;
  done = 0;
  /** Per event `n`: publish time and the latest receive time over all subscribers. */
  fanout = new Map();
  trackFanout = false;

  record(n, sentUs, recvUs) {
    if (this.count === this.samples.length) {
      if (this.count >= 1 << 24) this.dropped++;
      else {
        const bigger = new Float64Array(this.count * 2);
        bigger.set(this.samples);
        this.samples = bigger;
      }
    }
    if (this.count < this.samples.length) this.samples[this.count++] = recvUs - sentUs;
    if (this.trackFanout) {
      const seen = this.fanout.get(n);
      if (!seen) this.fanout.set(n, { sentUs, lastUs: recvUs });
      else if (recvUs > seen.lastUs) seen.lastUs = recvUs;
    }
  }

  latencies() {
    return this.samples.subarray(0, this.count);
  }
}
