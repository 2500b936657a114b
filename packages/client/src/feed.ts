import type { ConnectionState, RawEvent, ResetInfo, Transport } from './types.js';

/** Where transports put what they receive; the subscription de-duplicates and tracks the cursor. */
export interface Feed {
  /** The resume position: the last event's id, or the start position the server announced. */
  cursor: string | undefined;
  /** Takes one event; events already seen (by id) are dropped. */
  accept(event: RawEvent): void;
  reset(info: ResetInfo): void;
  status(state: ConnectionState, transport: Transport): void;
  /** A connection attempt failed and will be retried (refused, DNS, 5xx, 429, no byte…). */
  error(error: unknown): void;
}

/** How one connection attempt ended. */
export type Outcome =
  /** Data flowed, then the connection ended: reconnect on the same transport. */
  | 'ended'
  /** No byte arrived within the stall bound: a buffering proxy, or a dead link. */
  | 'stalled'
  /** The request failed before any data (network error, 5xx, 429). */
  | 'failed'
  /** This runtime cannot stream a fetch body. */
  | 'unsupported'
  /** Stopped by the client. */
  | 'aborted';

/**
 * An event from an SSE `id:` field, which carries the topic after a space
 * (`<epoch>-<seq> <topic>`, PROTOCOL.md): the id is the part before it, as poll answers give it.
 */
export function sseEvent(field: string, event: string, data: string): RawEvent {
  const space = field.indexOf(' ');
  return space === -1
    ? { id: field, topic: '', event, data }
    : { id: field.slice(0, space), topic: field.slice(space + 1), event, data };
}
