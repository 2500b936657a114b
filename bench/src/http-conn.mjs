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
          const chunked = dechunk(s, end + 4);
          if (!chunked) return;
          [body, bodyEnd] = chunked;
        }
      }
      this.#buf = s.slice(bodyEnd);
      this.onResponse(status, head, body);
    }
  }
}

/** A complete chunked body starting at `s[at]`: `[body, end]`, or undefined while incomplete. */
function dechunk(s, at) {
  let body = '';
  for (;;) {
    const line = s.indexOf('\r\n', at);
    if (line < 0) return undefined;
    const size = Number.parseInt(s.slice(at, line), 16);
    if (size === 0) return s.startsWith('\r\n', line + 2) ? [body, line + 4] : undefined;
    if (s.length < line + 2 + size + 2) return undefined;
    body += s.slice(line + 2, line + 2 + size);
    at = line + 2 + size + 2;
  }
}

/** The ETag of a response head, or undefined. */
export function etagOf(head) {
  return /\r\netag:\s*([^\r\n]+)/i.exec(head)?.[1];
}
