import { nowUs } from './clock.mjs';

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++)
  HEX['0123456789abcdef'.charCodeAt(i)] = HEX['0123456789ABCDEF'.charCodeAt(i)] = i;

/**
 * An SSE subscriber over a raw socket: incremental HTTP/1.1 head, chunked-body and SSE
 * parsing, no HTTP client library. It checks the bench payload (`<n> <µs> …`) of every
 * event: `n` must go 1, 2, 3… — anything else is counted as a gap, duplicate or reordering.
 */
export class SseConn {
  status = 0;
  /** True once the head and at least one body byte arrived (the subscription is live). */
  live = false;
  ended = false;
  lastN = 0;
  received = 0;
  /** Events with `n` not above the last one seen: duplicates or reordered. */
  late = 0;
  /** Events skipped over by a jump in `n`. */
  gaps = 0;
  /** Frames whose data is not a bench payload: `event: reset` (a slow-consumer policy dropped events). */
  resets = 0;
  expected = Number.POSITIVE_INFINITY;
  doneUs = 0;
  #head = '';
  #chunked = false;
  #phase = 0; // 0 size line, 1 size extension, 2 chunk data, 3 CRLF after data
  #size = 0;
  #left = 0;
  #pending = '';

  /** @param {import('./recorder.mjs').Recorder} recorder */
  constructor(recorder) {
    this.recorder = recorder;
  }

  feed(buf) {
    const recvUs = nowUs();
    let i = 0;
    if (this.status === 0) {
      const before = this.#head.length;
      this.#head += buf.toString('latin1');
      const end = this.#head.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.status = Number(this.#head.slice(9, 12));
      this.#chunked = /\r\ntransfer-encoding:\s*chunked/i.test(this.#head.slice(0, end));
      i = end + 4 - before;
      this.#head = '';
      if (!this.#chunked) this.#left = Number.POSITIVE_INFINITY;
    }
    if (!this.#chunked) {
      if (i < buf.length) this.#text(buf.toString('latin1', i), recvUs);
      return;
    }
    while (i < buf.length) {
      if (this.#phase === 2) {
        const take = Math.min(this.#left, buf.length - i);
        this.#text(buf.toString('latin1', i, i + take), recvUs);
        i += take;
        this.#left -= take;
        if (this.#left === 0) this.#phase = 3;
        continue;
      }
      const c = buf[i++];
      if (this.#phase === 3) {
        if (c === 10) this.#phase = 0;
      } else if (c === 10) {
        if (this.#size === 0) {
          this.ended = true;
          return;
        }
        this.#left = this.#size;
        this.#size = 0;
        this.#phase = 2;
      } else if (this.#phase === 0 && c !== 13) {
        if (c === 59) this.#phase = 1;
        else this.#size = this.#size * 16 + HEX[c];
      }
    }
  }

  #text(text, recvUs) {
    this.live = true;
    const s = this.#pending.length > 0 ? this.#pending + text : text;
    let start = 0;
    for (;;) {
      const end = s.indexOf('\n\n', start);
      if (end < 0) break;
      const d = s.indexOf('data:', start);
      if (d >= 0 && d < end) {
        let v = d + 5;
        if (s.charCodeAt(v) === 32) v++;
        if (s.charCodeAt(v) === 34) v++; // a JSON-quoted string
        const space = s.indexOf(' ', v);
        const n = Number(s.slice(v, space));
        const sentUs = Number(s.slice(space + 1, s.indexOf(' ', space + 1)));
        if (Number.isNaN(n)) this.resets++;
        else this.#event(n, sentUs, recvUs);
      }
      start = end + 2;
    }
    this.#pending = start < s.length ? s.slice(start) : '';
  }

  #event(n, sentUs, recvUs) {
    this.received++;
    if (n <= this.lastN) this.late++;
    else {
      this.gaps += n - this.lastN - 1;
      this.lastN = n;
    }
    this.recorder.record(n, sentUs, recvUs);
    if (this.doneUs === 0 && this.received - this.late >= this.expected) {
      this.doneUs = recvUs;
      this.recorder.done++;
    }
  }
}
