import Negotiator from 'negotiator';
import { TidingsError } from './errors.js';
import { type Cursor, MAX_CURSOR_LENGTH, parseEventId } from './event-id.js';
import { readQuery } from './query.js';
import { assertTopic } from './topic.js';
import type { RealtimeRequest } from './transport.js';

/** A validated subscription request, before the app's `topics`/`authorize` hooks. */
export interface ParsedRequest {
  /** Topics named in the query (`?topic=a&topic=b`), de-duplicated, in order. */
  readonly topics: string[];
  /** Resume position: `Last-Event-ID` header, else `cursor`, else `lastEventId` query. */
  readonly cursor: Cursor | null;
  /** Whether the client asked for an SSE stream (`Accept: text/event-stream`). */
  readonly sse: boolean;
  /** Requested long-poll wait (`Prefer: wait=N` or `?wait=N`), seconds; 0 for a plain poll. */
  readonly waitSeconds: number;
  readonly ifNoneMatch: string | undefined;
}

const WAIT = /^\d{1,6}$/;
const PREFER_WAIT = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i;

/** Reads the query and headers; throws a `TidingsError` (HTTP 4xx) on anything malformed. */
export function parseRequest(req: RealtimeRequest, maxTopics: number): ParsedRequest {
  const query = readQuery(req.url);
  const named = query.topics;
  if (named.length > maxTopics) {
    throw new TidingsError('too-many-topics', `Too many topics: at most ${maxTopics} per request`);
  }
  for (const topic of named) assertTopic(topic);

  const rawCursor = req.header('last-event-id') || query.cursor || query.lastEventId || '';
  if (rawCursor.length > MAX_CURSOR_LENGTH) {
    throw new TidingsError('invalid-cursor', 'Invalid cursor / Last-Event-ID: too long');
  }

  const preferHeader = req.header('prefer');
  const prefer = preferHeader === undefined ? null : PREFER_WAIT.exec(preferHeader);
  const wait = prefer?.[1] ?? query.wait ?? '0';
  if (wait !== '0' && !WAIT.test(wait)) {
    throw new TidingsError('invalid-request', 'Invalid wait: a whole number of seconds');
  }

  return {
    topics: named.length > 1 ? [...new Set(named)] : named,
    cursor: rawCursor ? parseEventId(rawCursor) : null,
    sse: wantsEventStream(req.header('accept')),
    waitSeconds: wait === '0' ? 0 : Number(wait),
    ifNoneMatch: req.header('if-none-match'),
  };
}

/** What the endpoint can answer; the first wins when the client takes any type: the JSON poll. */
const MEDIA_TYPES = ['application/json', 'text/event-stream'];

/**
 * Whether `Accept` prefers an SSE stream over a JSON poll, per RFC 9110 (q-values, case,
 * wildcards): `text/event-stream;q=0` refuses it, `TEXT/EVENT-STREAM` asks for it, and
 * a wildcard or no header at all gets the poll.
 */
function wantsEventStream(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  // The common cases, decided without parsing: what EventSource and the client send.
  if (accept === 'text/event-stream') return true;
  if (accept === 'application/json') return false;
  return new Negotiator({ headers: { accept } }).mediaType(MEDIA_TYPES) === 'text/event-stream';
}
