import { TidingsError } from './errors.js';

/**
 * A position in a hub's event order. Event ids and cursors share one format,
 * `<epoch>-<seq>`: `epoch` names the history the id belongs to (a new in-memory hub,
 * or a wiped Redis, starts a new epoch) and `seq` is the hub-wide sequence number,
 * strictly increasing across all topics. Clients treat ids as opaque strings.
 */
export interface Cursor {
  readonly epoch: string;
  readonly seq: number;
}

/** `<epoch>-<seq>`, optionally followed by ` <topic>` as SSE `id:` fields carry it (ignored here). */
const ID = /^([a-z0-9]{1,32})-(0|[1-9][0-9]{0,15})(?: [A-Za-z0-9_.:@/-]{1,128})?$/;

/** Longest event id / cursor accepted on the wire: an id (49) and its topic (1 + 128), as on SSE. */
export const MAX_CURSOR_LENGTH = 178;

export function formatEventId(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

/**
 * Parses an id, or an SSE `id:` field with its topic (`<epoch>-<seq> <topic>`, the
 * `Last-Event-ID` a native `EventSource` sends back); throws `invalid-cursor` (HTTP 400) when
 * it is not one of ours.
 */
export function parseEventId(id: string): Cursor {
  const match = id.length <= MAX_CURSOR_LENGTH ? ID.exec(id) : null;
  const seq = match ? Number(match[2]) : Number.NaN;
  if (!match || !Number.isSafeInteger(seq)) {
    throw new TidingsError(
      'invalid-cursor',
      'Invalid cursor / Last-Event-ID: not an event id issued by this server',
    );
  }
  return { epoch: match[1]!, seq };
}

/** A fresh random epoch: 10 base-36 characters. */
export function newEpoch(): string {
  let epoch = '';
  while (epoch.length < 10) epoch += Math.random().toString(36).slice(2);
  return epoch.slice(0, 10);
}
