import { type Feed, type Outcome, sseEvent } from './feed.js';
import { TidingsHttpError } from './http-error.js';
import { endpoint, type RequestSettings, send } from './request.js';
import { createSseParser } from './sse-parser.js';
import type { ResetInfo } from './types.js';

/** One SSE connection's knobs, updated by what the server says (`retry:`, `Tidings-Heartbeat-Ms`). */
export interface StreamTiming {
  /** No byte (event, heartbeat or preamble) for this long → the stream is stalled. */
  stallMs: number;
  /** Whether `stallMs` follows the server's `Tidings-Heartbeat-Ms` (false when the app set it). */
  readonly followServer: boolean;
  /** The server's `retry:` advice, ms: the base of the reconnect delay. */
  retryMs: number;
  /** A `Retry-After` from the last refusal (429, 503), ms: the next attempt waits at least this long. */
  retryAfterMs?: number | undefined;
}

/** The stall bound for a server heartbeat interval: two missed heartbeats plus network slack. */
export const stallBound = (heartbeatMs: number) => heartbeatMs * 2 + 5_000;

/**
 * Runs one SSE connection over `fetch` streaming from the feed's cursor until it ends.
 * `onAlive` is called at the first byte: only then is the stream known to get through (a
 * buffering proxy may answer the headers but hold the body). A failure to connect is
 * reported to the feed; a fatal {@link TidingsHttpError} is thrown.
 */
export async function streamSse(
  settings: RequestSettings,
  feed: Feed,
  timing: StreamTiming,
  signal: AbortSignal,
  onAlive: () => void,
): Promise<Outcome> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal.addEventListener('abort', abort);
  let alive = false;
  let stalled = false;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      stalled = true;
      abort();
    }, timing.stallMs);
  };
  arm();
  try {
    const url = endpoint(settings, feed.cursor);
    const response = await send(settings, url, 'text/event-stream', controller.signal);
    if (!response.ok) throw await TidingsHttpError.from(response);
    if (!response.body) return 'unsupported';
    const heartbeatMs = Number(response.headers.get('tidings-heartbeat-ms'));
    if (heartbeatMs > 0 && timing.followServer) timing.stallMs = stallBound(heartbeatMs);
    const parse = createSseParser(
      ({ id, event, data }) => {
        if (event === 'reset') feed.reset(JSON.parse(data) as ResetInfo);
        else if (id) feed.accept(sseEvent(id, event, data));
      },
      (ms) => {
        timing.retryMs = ms;
      },
    );
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      if (!alive) {
        alive = true;
        onAlive();
      }
      arm();
      parse(decoder.decode(chunk.value, { stream: true }));
    }
    return 'ended';
  } catch (error) {
    if (error instanceof TidingsHttpError) {
      if (error.fatal) throw error;
      timing.retryAfterMs = error.retryAfterMs;
    }
    if (alive) return 'ended';
    if (stalled || signal.aborted) return stalled ? 'stalled' : 'aborted';
    feed.error(error);
    return 'failed';
  } finally {
    clearTimeout(watchdog);
    signal.removeEventListener('abort', abort);
    abort();
  }
}
