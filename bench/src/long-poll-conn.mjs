import { nowUs } from './clock.mjs';
import { HttpConn } from './http-conn.mjs';
import { Subscriber } from './subscriber.mjs';

/**
 * A long-poll subscriber over a keep-alive raw socket: asks without a cursor once ("start
 * from now"), then long-polls from each answer's cursor, counting the events' bench payloads
 * (see {@link Subscriber}). Its cursor survives a reconnect, so a new socket picks up exactly
 * where the last answer ended.
 */
export class LongPollConn extends Subscriber {
  /** The resume position: the last answer's cursor. */
  cursor = undefined;
  /** True once a long-poll with a cursor is outstanding (the subscription is live). */
  live = false;
  /** Answers that were neither 200 nor 304, and resets: both must stay 0. */
  errors = 0;
  #socket;
  #http;

  /** @param {string} query `topic=…&topic=…` @param {number} waitSeconds */
  constructor(recorder, query, waitSeconds) {
    super(recorder);
    this.query = query;
    this.waitSeconds = waitSeconds;
  }

  /** Starts polling on `socket` (a fresh connection; call again after a reconnect). */
  attach(socket) {
    this.#socket = socket;
    this.live = false;
    this.#http = new HttpConn((status, _head, body) => this.#answer(status, body));
    socket.on('data', (buf) => this.#http.feed(buf));
    this.#ask();
  }

  #ask() {
    const cursor = this.cursor === undefined ? '' : `&cursor=${this.cursor}`;
    const prefer = this.cursor === undefined ? '' : `Prefer: wait=${this.waitSeconds}\r\n`;
    this.#socket.write(`GET /realtime?${this.query}${cursor} HTTP/1.1\r\nHost: 127.0.0.1\r\n${prefer}\r\n`);
    if (this.cursor !== undefined) this.live = true;
  }

  #answer(status, body) {
    const recvUs = nowUs();
    if (status === 200) {
      const page = JSON.parse(body);
      if (page.reset) this.errors++;
      for (const event of page.events) this.payload(event.data, 0, recvUs);
      this.cursor = page.cursor;
    } else if (status !== 304) this.errors++;
    this.#ask();
  }
}
