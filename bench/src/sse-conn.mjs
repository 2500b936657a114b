import { nowUs } from './clock.mjs';
import { Subscriber } from './subscriber.mjs';

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++)
  HEX['0123456789abcdef'.charCodeAt(i)] = HEX['0123456789ABCDEF'.charCodeAt(i)] = i;

/**
 * An SSE subscriber over a raw socket: incremental HTTP/1.1 head, chunked-body and SSE
 * parsing, no HTTP client library. It checks the bench payload of every event (see
 * {@link Subscriber}) and remembers the last `id:` seen, to resume with.
 */
export class SseConn extends Subscriber {
  status = 0;
  /** True once the head and at least one body byte arrived (the subscription is live). */
  live = false;
  ended = false;
  /** The last `id:` received: the `Last-Event-ID` of a reconnect. */
  lastId = undefined;
  #head = '';
  #chunked = false;
  #phase = 0; // 0 size line, 1 size extension, 2 chunk data, 3 CRLF after data
  #size = 0;
  #left = 0;
  #pending = '';

  /** Forgets the HTTP state of the last connection (keeps the counts): before a reconnect. */
  reset() {
    this.status = 0;
    this.live = false;
    this.ended = false;
    this.#head = '';
    this.#chunked = false;
    this.#phase = 0;
    this.#size = 0;
    this.#left = 0;
    this.#pending = '';
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
      if (s.startsWith('id: ', start)) this.lastId = s.slice(start + 4, s.indexOf('\n', start));
      const d = s.indexOf('data:', start);
      if (d >= 0 && d < end) {
        let v = d + 5;
        if (s.charCodeAt(v) === 32) v++;
        if (s.charCodeAt(v) === 34) v++; // a JSON-quoted string
        this.payload(s, v, recvUs);
      }
      start = end + 2;
    }
    this.#pending = start < s.length ? s.slice(start) : '';
  }
}
