import type { HistoryResult, ResetReason, StoredEvent } from '../broker/broker.js';
import type { Connection } from '../hub/connection.js';
import type { Hub } from '../hub/hub.js';
import { type Cursor, formatEventId } from '../wire/event-id.js';
import type { ParsedRequest } from '../wire/request.js';
import type { ResponseSink } from '../wire/transport.js';
import { LongPollWaiter } from './long-poll-waiter.js';
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
 * so an event published in between wakes it instead of slipping through. A waiter that found
 * nothing new is answered from the fan-out of the next event (see {@link LongPollWaiter});
 * one woken otherwise reads history, once per batch of waiters woken by the same event.
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
    // Live delivery is gapless unless the broker reported trouble (a reconnect whose catch-up
    // failed may skip events): after any, a wake reads history instead of trusting the event.
    const brokerErrors = hub.brokerErrorCount;
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
      // Nothing after `position`: the first newer event is answered from the fan-out itself.
      const from = position;
      const woke = await waiter.wait(Math.max(0, deadline - hub.options.now()), from, (event) => {
        if (hub.brokerErrorCount !== brokerErrors) return false;
        answerWake(hub, sink, connection, cacheControl, waitMs, from, event);
        return true;
      });
      if (woke === 'closed' || woke === 'answered') return;
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
    waiter.unschedule();
    if (long) hub.detach(waiter, topics);
    hub.untrack(waiter, waiter.endedBy);
  }
}

/**
 * A 200 answer's shared parts, built once per history result and retry advice: every long-poll
 * woken by one event sends the same bytes.
 */
interface Page {
  readonly retryAfterMs: number;
  /** `retryAfterMs` as its header value. */
  readonly retry: string;
  readonly etag: string;
  readonly json: string;
  readonly bytes: number;
}

/** Pages of shared wake reads: one per read, reused by every waiter that shares it. */
const sharedPages = new WeakMap<HistoryResult, Page>();

/** The page of the latest event that answered waiters from the fan-out (see {@link answerWake}). */
let wakePage: { event: StoredEvent; page: Page } | undefined;

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
  if (!result.reset && events.length === 0) {
    const etag = `"${cursor}"`;
    if (matches(request.ifNoneMatch, etag)) {
      hub.countPoll(timedOut ? 'timeout' : 'notModified');
      sink.writeHead(
        304,
        pollHeaders(undefined, etag, cacheControl, String(retryAfterMs), connection.id, waitMs),
      );
      sink.end();
      return;
    }
  }
  if (result.reset) hub.count('resets');
  let page = shared ? sharedPages.get(result) : undefined;
  if (page?.retryAfterMs !== retryAfterMs) {
    page = toPage(events, cursor, retryAfterMs, result.reset ? result.reason : undefined);
    if (shared) sharedPages.set(result, page);
  }
  writePage(
    hub,
    sink,
    connection,
    cacheControl,
    waitMs,
    page,
    events.length,
    last?.id,
    timedOut ? 'timeout' : 'ok',
  );
}

/**
 * Answers a waiter with the one event it was missing, from the fan-out (see
 * {@link LongPollWaiter}): what {@link send} writes for a history result of that event alone,
 * with the page built once for all the waiters it wakes.
 */
function answerWake(
  hub: Hub,
  sink: ResponseSink,
  connection: Connection,
  cacheControl: string,
  waitMs: number,
  from: Cursor,
  event: StoredEvent,
): void {
  const retryAfterMs = adviseRetryMs(hub, connection.topics, 1, false);
  let page = wakePage?.event === event ? wakePage.page : undefined;
  if (page?.retryAfterMs !== retryAfterMs) {
    page = toPage([event], formatEventId(from.epoch, event.seq), retryAfterMs, undefined);
    wakePage = { event, page };
  }
  writePage(hub, sink, connection, cacheControl, waitMs, page, 1, event.id, 'ok');
}

/** Sends a 200 with `page` (`count` events, the last `lastEventId`) and counts it as `outcome`. */
function writePage(
  hub: Hub,
  sink: ResponseSink,
  connection: Connection,
  cacheControl: string,
  waitMs: number,
  page: Page,
  count: number,
  lastEventId: string | undefined,
  outcome: 'ok' | 'timeout',
): void {
  hub.count('replayed', count);
  hub.countPoll(outcome);
  connection.delivered = count;
  connection.lastEventId = lastEventId;
  hub.countWritten(page.bytes);
  sink.writeHead(200, pollHeaders(JSON_TYPE, page.etag, cacheControl, page.retry, connection.id, waitMs));
  sink.end(page.json);
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

function toPage(
  events: readonly StoredEvent[],
  cursor: string,
  retryAfterMs: number,
  resetReason: ResetReason | undefined,
): Page {
  const retry = String(retryAfterMs);
  const etag = `"${cursor}"`;
  if (events.length === 0 && resetReason === undefined) {
    // The most common body, an empty poll: ids are `<epoch>-<seq>`, digits and a dash, JSON as they are.
    const json = `{"events":[],"cursor":"${cursor}","retryAfterMs":${retryAfterMs}}`;
    return { retryAfterMs, retry, etag, json, bytes: json.length };
  }
  const body: PollBody = { events: events.map(toPollEvent), cursor, retryAfterMs };
  if (resetReason !== undefined) {
    body.reset = true;
    body.reason = resetReason;
  }
  const json = JSON.stringify(body);
  return { retryAfterMs, retry, etag, json, bytes: Buffer.byteLength(json) };
}

/** The last `Preference-Applied` value: long-polls mostly ask for the same wait. */
let lastPreference = { waitMs: 0, value: '' };

function preferenceApplied(waitMs: number): string {
  if (lastPreference.waitMs !== waitMs)
    lastPreference = { waitMs, value: `wait=${Math.round(waitMs / 1000)}` };
  return lastPreference.value;
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
