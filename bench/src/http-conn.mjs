/**
 * Responses on a keep-alive raw socket, one after another: status, headers, and a body by
 * Content-Length, chunked encoding or none (304). Enough HTTP/1.1 for the poll loops.
 */
export class HttpConn {
  #buf = '';

  /** @param {(status: number, head: string, body: string) => void} onResponse */
  constructor(onResponse) {
    this.onResponse = onResponse;
  }

  feed(buf) {
    this.#buf += buf.toString('latin1');
    for (;;) {
      const s = this.#buf;
      const end = s.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = s.slice(0, end);
      const status = Number(s.slice(9, 12));
      let bodyEnd = end + 4;
      let body = '';
      if (status !== 304 && status !== 204) {
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (length) {
          bodyEnd += Number(length[1]);
          if (s.length < bodyEnd) return;
          body = s.slice(end + 4, bodyEnd);
        } else {
          const last = s.indexOf('0\r\n\r\n', end + 4);
          if (last < 0) return;
          bodyEnd = last + 5;
          body = s.slice(end + 4, last);
        }
      }
      this.#buf = s.slice(bodyEnd);
      this.onResponse(status, head, body);
    }
  }
}

/** The ETag of a response head, or undefined. */
export function etagOf(head) {
  return /\r\netag:\s*([^\r\n]+)/i.exec(head)?.[1];
}
