import { connect, type Socket } from 'node:net';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** An SSE client on a raw socket that reads nothing until {@link StalledClient.resume}. */
export interface StalledClient {
  readonly socket: Socket;
  /** Events parsed since `resume()`. */
  readonly events: EventSourceMessage[];
  /** Whether the server closed the connection. */
  readonly ended: boolean;
  /** Starts reading: everything queued, then whatever follows, is parsed into `events`. */
  resume(): void;
}

/**
 * Opens an SSE request for `url` (topics in its query) on a raw socket that is paused from the
 * start: the kernel buffers fill, then the server's own queue grows — a client that really is
 * too slow.
 */
export async function stalledClient(url: string): Promise<StalledClient> {
  const { port, pathname, search } = new URL(url);
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  let ended = false;
  const socket = connect(Number(port), '127.0.0.1');
  socket.pause();
  socket.on('error', () => {});
  socket.once('close', () => {
    ended = true;
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`GET ${pathname}${search} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
  let head = true;
  let pending: Buffer = Buffer.alloc(0);
  const decoder = new TextDecoder();
  return {
    socket,
    events,
    get ended() {
      return ended;
    },
    resume() {
      // Skip the response head, then decode the chunked body, chunk by chunk, into the parser.
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
        if (head) {
          const end = pending.indexOf('\r\n\r\n');
          if (end === -1) return;
          head = false;
          pending = pending.subarray(end + 4);
        }
        for (;;) {
          const line = pending.indexOf('\r\n');
          if (line === -1) return;
          const size = Number.parseInt(pending.subarray(0, line).toString('latin1'), 16);
          if (pending.length < line + 2 + size + 2) return;
          parser.feed(decoder.decode(pending.subarray(line + 2, line + 2 + size), { stream: true }));
          pending = pending.subarray(line + 2 + size + 2);
        }
      });
      socket.resume();
    },
  };
}
