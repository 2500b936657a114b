import type { StoredEvent } from './broker.js';

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Frames one event per the WHATWG SSE grammar: `id:`, optional `event:`, one `data:` line
 * per payload line, blank line. Ids and event names are validated upstream and never
 * contain CR or LF, so nothing can be injected through them; payload line breaks of any
 * kind (CRLF, CR, LF) become separate `data:` lines and decode back to LF.
 */
export function encodeEvent(event: Pick<StoredEvent, 'id' | 'event' | 'data'>): Buffer {
  let frame = `id: ${event.id}\n`;
  if (event.event !== undefined) frame += `event: ${event.event}\n`;
  frame += LINE_BREAK.test(event.data)
    ? `data: ${event.data.split(LINE_BREAK).join('\ndata: ')}\n\n`
    : `data: ${event.data}\n\n`;
  return Buffer.from(frame, 'utf8');
}

/** The first bytes of every stream: a comment so proxies commit to streaming, and the reconnect delay. */
export function encodePreamble(retryMs: number): Buffer {
  return Buffer.from(`: tidings\nretry: ${retryMs}\n\n`, 'utf8');
}

/** An id-only frame: moves the client's Last-Event-ID without dispatching an event. */
export function encodePosition(id: string): Buffer {
  return Buffer.from(`id: ${id}\n\n`, 'utf8');
}

/** The heartbeat: one comment line, shared by every stream. */
export const HEARTBEAT = Buffer.from(':\n\n', 'utf8');
