/**
 * What a bench subscriber counts, whatever its transport: every event's payload is
 * `<n> <µs> …`, where `n` must go 1, 2, 3… — anything else is counted as a gap, duplicate or
 * reordering. `n` may carry a one-letter lane prefix (`b7`): each lane is sequenced on its
 * own, so one subscriber can check several topics (`user:<n>` as `7`, `broadcast` as `b7`).
 */
export class Subscriber {
  lastN = 0;
  received = 0;
  /** Events with `n` not above the last one seen in their lane: duplicates or reordered. */
  late = 0;
  /** Events skipped over by a jump in `n`. */
  gaps = 0;
  /** Frames whose data is not a bench payload: `event: reset` (a slow-consumer policy dropped events). */
  resets = 0;
  expected = Number.POSITIVE_INFINITY;
  doneUs = 0;
  /** Lane letter → last `n`, once a lettered lane is seen. */
  #lanes;

  /** @param {import('./recorder.mjs').Recorder} recorder */
  constructor(recorder) {
    this.recorder = recorder;
  }

  /** Counts the event whose payload starts at `s[v]`, received at `recvUs`. */
  payload(s, v, recvUs) {
    const space = s.indexOf(' ', v);
    const c = s.charCodeAt(v);
    const lane = c >= 97 && c <= 122 ? s[v] : undefined;
    const n = Number(s.slice(lane ? v + 1 : v, space));
    if (Number.isNaN(n)) {
      this.resets++;
      return;
    }
    const sentUs = Number(s.slice(space + 1, s.indexOf(' ', space + 1)));
    if (lane) this.#laned(lane, n, sentUs, recvUs);
    else this.event(n, sentUs, recvUs);
  }

  event(n, sentUs, recvUs) {
    this.received++;
    if (n <= this.lastN) this.late++;
    else {
      this.gaps += n - this.lastN - 1;
      this.lastN = n;
    }
    this.#record(n, sentUs, recvUs);
  }

  #laned(lane, n, sentUs, recvUs) {
    this.#lanes ??= new Map();
    const last = this.#lanes.get(lane) ?? 0;
    this.received++;
    if (n <= last) this.late++;
    else {
      this.gaps += n - last - 1;
      this.#lanes.set(lane, n);
    }
    this.#record(n, sentUs, recvUs);
  }

  #record(n, sentUs, recvUs) {
    this.recorder.record(n, sentUs, recvUs);
    if (this.doneUs === 0 && this.received - this.late >= this.expected) {
      this.doneUs = recvUs;
      this.recorder.done++;
    }
  }
}
