const LINE_BREAK = /\r\n|\r|\n/;

/** Where an SSE frame keeps its HTTP/1.1 chunk framing (see {@link chunkedFraming}). */
const CHUNKED = Symbol('tidings.chunked');

/** An SSE frame that carries, in the same memory, its HTTP/1.1 chunk framing. */
type FramedBuffer = Buffer & { [CHUNKED]?: Buffer };

/**
 * Frames one event per the WHATWG SSE grammar: `id:`, optional `event:`, one `data:` line
 * per payload line, blank line. The `id:` field carries the event's topic after a space,
 * `id: <epoch>-<seq> <topic>`, so every SSE client (native `EventSource` included) can tell
 * a multi-topic stream's events apart, and the whole field still resumes as `Last-Event-ID`
 * (PROTOCOL.md, "The topic of an event"). Frames without a topic (resets) carry the bare id.
 * Ids, topics and event names are validated upstream and never contain CR or LF, so nothing
 * can be injected through them; payload line breaks of any kind (CRLF, CR, LF) become
 * separate `data:` lines and decode back to LF.
 */
export function encodeEvent(event: {
  readonly id: string;
  readonly event: string | undefined;
  readonly data: string;
  topic?: string;
}): Buffer {
  let frame = event.topic === undefined ? `id: ${event.id}\n` : `id: ${event.id} ${event.topic}\n`;
  if (event.event !== undefined) frame += `event: ${event.event}\n`;
  frame += LINE_BREAK.test(event.data)
    ? `data: ${event.data.split(LINE_BREAK).join('\ndata: ')}\n\n`
    : `data: ${event.data}\n\n`;
  return encodeFrame(frame);
}

/** The first bytes of every stream: a comment so proxies commit to streaming, and the reconnect delay. */
export function encodePreamble(retryMs: number): Buffer {
  return encodeFrame(`: tidings\nretry: ${retryMs}\n\n`);
}

/** An id-only frame: moves the client's Last-Event-ID without dispatching an event. */
export function encodePosition(id: string): Buffer {
  return encodeFrame(`id: ${id}\n\n`);
}

/** The heartbeat: one comment line, shared by every stream. */
export const HEARTBEAT = encodeFrame(':\n\n');

/**
 * Encodes SSE text once into one allocation laid out as an HTTP/1.1 chunk,
 * `<hex length>\r\n<frame>\r\n`, and returns the view of the frame inside it. Transports
 * write the view; an HTTP/1.1 chunked response writes the whole chunk straight to its
 * socket ({@link chunkedFraming}), so no per-subscriber framing is left to do.
 */
export function encodeFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const prefix = `${length.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(prefix.length + length + 2);
  chunk.write(prefix, 0, 'latin1');
  chunk.write(text, prefix.length, 'utf8');
  chunk[chunk.length - 2] = 0x0d;
  chunk[chunk.length - 1] = 0x0a;
  const frame: FramedBuffer = chunk.subarray(prefix.length, prefix.length + length);
  frame[CHUNKED] = chunk;
  return frame;
}

/**
 * Several frames as one, laid out like {@link encodeFrame}'s: one HTTP/1.1 chunk carrying
 * every frame's SSE bytes in order. The fan-out builds it once for a run of events that
 * every subscriber of a topic receives together, so each socket takes them in one write.
 */
export function joinFrames(frames: readonly Buffer[]): Buffer {
  let length = 0;
  for (const frame of frames) length += frame.length;
  const prefix = `${length.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(prefix.length + length + 2);
  let at = chunk.write(prefix, 0, 'latin1');
  for (const frame of frames) at += frame.copy(chunk, at);
  chunk[at] = 0x0d;
  chunk[at + 1] = 0x0a;
  const joined: FramedBuffer = chunk.subarray(prefix.length, prefix.length + length);
  joined[CHUNKED] = chunk;
  return joined;
}

/**
 * The frame together with its HTTP/1.1 chunk framing, when it came from
 * {@link encodeFrame}; `undefined` for any other bytes.
 */
export function chunkedFraming(frame: Uint8Array): Buffer | undefined {
  return (frame as FramedBuffer)[CHUNKED];
}
