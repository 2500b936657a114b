import type { HistoryResult, StoredEvent } from '../broker/broker.js';
import type { Connection } from '../hub/connection.js';
import type { Hub, Subscriber } from '../hub/hub.js';
import type { DisconnectReason } from '../hub/stats.js';
import { type Cursor, formatEventId } from '../wire/event-id.js';
import type { ParsedRequest } from '../wire/request.js';
import type { ResponseSink } from '../wire/transport.js';
import { DeadlineSchedule, type Expiring } from './deadline-schedule.js';
import { adviseRetryMs } from './poll-advice.js';
import { WakeReads } from './wake-reads.js';

/** One event in a poll response body. */
export interface PollEvent {
  id: string;
  topic: string;
  /** Event name, `message` when the publisher gave none. */
  event: string;
  /** The payload exactly as on an SSE `data:` line (JSON text unless a string was published). */
  data: string;
}

/** The JSON body of a poll or long-poll response. */
export interface PollBody {
  events: PollEvent[];
  /** Pass back as `cursor` (or `Last-Event-ID`) to get what follows. Also the `ETag`. */
  cursor: string;
  /** The server's advice: wait this long before the next poll. */
  retryAfterMs: number;
  /** Present when the client's cursor could not be continued: refetch state, then go on from `cursor`. */
  reset?: true;
  reason?: string;
}

type WaitOutcome = 'event' | 'timeout' | 'closed';

/** Every long-poll's deadline, on one timer. */
const deadlines = new DeadlineSchedule();

/** A waiting long-poll: woken by the first event on any of its topics, its deadline, or the client leaving. */
class LongPollWaiter implements Subscriber, Expiring {
  private wake: ((outcome: WaitOutcome) => void) | undefined;
  private signalled = false;
  /** Set when the connection was ended from outside (client gone, hub closing). */
  endedBy: DisconnectReason | undefined;
  /** Sequence number of the newest event that woke this waiter (0 before any). */
  wokenBy = 0;

  deliver(event: StoredEvent, _frame: Buffer): void {
    if (event.seq > this.wokenBy) this.wokenBy = event.seq;
    this.signal('event');
  }

  close(reason: DisconnectReason): void {
    this.endedBy ??= reason;
    this.signal(reason === 'client-closed' ? 'closed' : 'timeout');
  }

  /** Resolves on the next event (or one that arrived since the last wait), the deadline, or close. */
  wait(ms: number): Promise<WaitOutcome> {
    if (this.endedBy === 'client-closed') return Promise.resolve('closed');
    if (this.endedBy) return Promise.resolve('timeout');
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve('event');
    }
    return new Promise((resolve) => {
      const at = deadlines.add(this, ms);
      this.wake = (outcome) => {
        deadlines.delete(this, at);
        resolve(outcome);
      };
    });
  }

  expire(): void {
    this.signal('timeout');
  }

  private signal(outcome: WaitOutcome): void {
    const wake = this.wake;
    this.wake = undefined;
    if (wake) wake(outcome);
    else if (outcome === 'event') this.signalled = true;
  }
}

const wakeReadsOf = new WeakMap<Hub, WakeReads>();

function wakeReads(hub: Hub): WakeReads {
  let reads = wakeReadsOf.get(hub);
  if (!reads) {
    reads = new WakeReads(hub.broker, hub.options.maxReplay);
    wakeReadsOf.set(hub, reads);
  }
  return reads;
}

/**
 * Answers a poll (`wait` 0) or long-poll. The waiter joins its topics before history is read,
 * so an event published in between wakes it instead of slipping through.
 */
export async function respondPoll(
  hub: Hub,
  sink: ResponseSink,
  request: ParsedRequest,
  topics: readonly string[],
  cacheControl: string,
): Promise<void> {
  const waitMs = Math.min(request.waitSeconds * 1000, hub.options.maxWaitMs);
  const deadline = hub.options.now() + waitMs;
  const long = waitMs > 0;
  // A plain poll is tracked too (never attached), so every request has an id and one disconnect reason.
  const waiter = new LongPollWaiter();
  let failed = false;
  const connection = hub.track(waiter, long ? 'longPoll' : 'poll', topics);
  // A long-poll hears of the client leaving at once (called at once if it already left: then
  // nothing is attached or read); a plain poll holds nothing, so it just looks before answering.
  if (long) sink.onClose(() => waiter.close('client-closed'));
  else if (sink.closed) waiter.close('client-closed');
  try {
    if (waiter.endedBy) return;
    if (long) await hub.attach(waiter, topics);
    let position: Cursor = request.cursor ?? (await hub.broker.head());
    let result: HistoryResult = { reset: false, events: [], more: false };
    let readHistory = request.cursor !== null;
    let timedOut = false;
    /** True once a wake's read is shared with the other waiters woken by the same event. */
    let woken = false;
    for (;;) {
      if (readHistory) {
        result = woken
          ? await wakeReads(hub).read(topics, position, waiter.wokenBy)
          : await hub.broker.history(topics, position, hub.options.maxReplay);
      }
      if (result.reset || result.events.length > 0 || !long) break;
      const woke = await waiter.wait(Math.max(0, deadline - hub.options.now()));
      if (woke === 'closed') return;
      timedOut = woke === 'timeout';
      if (timedOut) break;
      readHistory = woken = true;
    }
    if (!long && sink.closed) {
      waiter.close('client-closed');
      return;
    }
    if (result.reset) position = result.head;
    send(hub, sink, connection, request, cacheControl, position, result, waitMs, timedOut, woken);
  } catch (error) {
    failed = true;
    hub.brokerFailed(error, connection.id);
    throw error;
  } finally {
    waiter.endedBy ??= failed ? 'broker-error' : 'completed';
    if (long) hub.detach(waiter, topics);
    hub.untrack(waiter, waiter.endedBy);
  }
}

/** A poll body as sent: serialized once per history result and retry advice. */
interface SerializedBody {
  readonly retryAfterMs: number;
  readonly json: string;
  readonly bytes: number;
}

/** Bodies of shared wake reads: every long-poll woken by one event sends the same bytes. */
const sharedBodies = new WeakMap<HistoryResult, SerializedBody>();

const JSON_TYPE = 'application/json; charset=utf-8';
const VARY = 'Accept, Last-Event-ID';

function send(
  hub: Hub,
  sink: ResponseSink,
  connection: Connection,
  request: ParsedRequest,
  cacheControl: string,
  position: Cursor,
  result: HistoryResult,
  waitMs: number,
  timedOut: boolean,
  shared: boolean,
): void {
  const events = result.reset ? [] : result.events;
  const last = events.at(-1);
  const cursor = formatEventId(position.epoch, last ? last.seq : position.seq);
  const retryAfterMs = adviseRetryMs(hub, connection.topics, events.length, !result.reset && result.more);
  const etag = `"${cursor}"`;
  const retry = String(retryAfterMs);
  if (!result.reset && events.length === 0 && matches(request.ifNoneMatch, etag)) {
    hub.countPoll(timedOut ? 'timeout' : 'notModified');
    sink.writeHead(304, pollHeaders(undefined, etag, cacheControl, retry, connection.id, waitMs));
    sink.end();
    return;
  }
  if (result.reset) hub.count('resets');
  hub.count('replayed', events.length);
  hub.countPoll(timedOut ? 'timeout' : 'ok');
  connection.delivered = events.length;
  connection.lastEventId = last?.id;
  let body = shared ? sharedBodies.get(result) : undefined;
  if (body?.retryAfterMs !== retryAfterMs) {
    body = serialize(events, cursor, retryAfterMs, result);
    if (shared) sharedBodies.set(result, body);
  }
  hub.countWritten(body.bytes);
  sink.writeHead(200, pollHeaders(JSON_TYPE, etag, cacheControl, retry, connection.id, waitMs));
  sink.end(body.json);
}

/**
 * The head of a poll response, `content-type` left out of a 304. Literal objects of two fixed
 * shapes (with `Preference-Applied` for a long-poll, without for a poll), so building one per
 * response stays cheap; the names are the protocol's (PROTOCOL.md, "Poll").
 */
function pollHeaders(
  contentType: string | undefined,
  etag: string,
  cacheControl: string,
  retry: string,
  connectionId: string,
  waitMs: number,
): Record<string, string> {
  const headers: Record<string, string> =
    waitMs > 0
      ? {
          etag,
          vary: VARY,
          'cache-control': cacheControl,
          'tidings-retry-after-ms': retry,
          'tidings-connection-id': connectionId,
          'preference-applied': preferenceApplied(waitMs),
        }
      : {
          etag,
          vary: VARY,
          'cache-control': cacheControl,
          'tidings-retry-after-ms': retry,
          'tidings-connection-id': connectionId,
        };
  if (contentType !== undefined) headers['content-type'] = contentType;
  return headers;
}

function serialize(
  events: readonly StoredEvent[],
  cursor: string,
  retryAfterMs: number,
  result: HistoryResult,
): SerializedBody {
  if (events.length === 0 && !result.reset) {
    // The most common body, an empty poll: ids are `<epoch>-<seq>`, digits and a dash, JSON as they are.
    const json = `{"events":[],"cursor":"${cursor}","retryAfterMs":${retryAfterMs}}`;
    return { retryAfterMs, json, bytes: json.length };
  }
  const body: PollBody = { events: events.map(toPollEvent), cursor, retryAfterMs };
  if (result.reset) {
    body.reset = true;
    body.reason = result.reason;
  }
  const json = JSON.stringify(body);
  return { retryAfterMs, json, bytes: Buffer.byteLength(json) };
}

function preferenceApplied(waitMs: number): string {
  return `wait=${Math.round(waitMs / 1000)}`;
}

function toPollEvent(event: StoredEvent): PollEvent {
  return { id: event.id, topic: event.topic, event: event.event ?? 'message', data: event.data };
}

/** RFC 9110 If-None-Match: a list of entity tags, weak or strong, or `*`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  // The common case, a client sending back the one tag it got, without splitting a list.
  if (ifNoneMatch === etag) return true;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}
