import type { RawEvent } from './types.js';

/**
 * An event as the parser dispatches it: `id` is the whole `id:` field (Tidings puts the topic
 * after the event id, see `sseEvent`), and only there when the event carried one.
 */
export type ParsedEvent = Omit<RawEvent, 'id' | 'topic'> & { readonly id: string | undefined };

/**
 * A `text/event-stream` parser, per the WHATWG "interpreting an event stream" rules: lines
 * end with CRLF, LF or CR (also when a chunk ends between CR and LF); `:` starts a comment;
 * one space after the field's colon is dropped; a field without a colon has an empty value;
 * `data` lines join with LF; a blank line dispatches an event that has data (its `event`
 * defaults to `message`); `id` containing NUL and non-digit `retry` are ignored; unknown
 * fields are ignored. (The decoder strips a BOM.) Unlike `EventSource`, `id` is the event's
 * own, not remembered across events: Tidings sends one with every event. Returns `feed`.
 */
export function createSseParser(
  onEvent: (event: ParsedEvent) => void,
  onRetry: (ms: number) => void,
): (text: string) => void {
  let pending = '';
  let data: string | undefined;
  let event = '';
  let id: string | undefined;
  const line = (text: string) => {
    if (!text) {
      if (data !== undefined) onEvent({ id, event: event || 'message', data });
      data = id = undefined;
      event = '';
      return;
    }
    const colon = text.indexOf(':');
    if (colon === 0) return;
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + (text[colon + 1] === ' ' ? 2 : 1));
    if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry(Number(value));
  };
  return (text) => {
    const all = pending + text;
    // A CR at the very end may be the first half of a CRLF: keep it until the next chunk.
    const end = all.endsWith('\r') ? all.length - 1 : all.length;
    const lines = all.slice(0, end).split(/\r\n?|\n/);
    pending = (lines.pop() ?? '') + all.slice(end);
    for (const text of lines) line(text);
  };
}
