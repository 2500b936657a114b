import type { Feed } from './feed.js';
import { TidingsHttpError } from './http-error.js';
import { endpoint, type RequestSettings, send } from './request.js';
import type { RawEvent } from './types.js';

/** The JSON body of a poll answer (PROTOCOL.md §4). */
interface PollBody {
  events: RawEvent[];
  cursor: string;
  retryAfterMs?: number;
  reset?: boolean;
  reason?: string;
}

/** What one poll brought. */
export interface PollResult {
  events: number;
  retryAfterMs: number | undefined;
}

/** Extra time a request may take beyond its long-poll wait before it counts as cut. */
export const REQUEST_SLACK_MS = 10_000;

/**
 * One poll (`waitSeconds` 0) or long-poll from the feed's cursor; hands the events and any
 * reset to the feed. Throws a {@link TidingsHttpError} for a refusal and the fetch error for
 * a network failure or a request that outlived its wait by {@link REQUEST_SLACK_MS}.
 */
export async function pollOnce(
  settings: RequestSettings,
  feed: Feed,
  waitSeconds: number,
  signal: AbortSignal,
): Promise<PollResult> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal.addEventListener('abort', abort);
  const limitMs = waitSeconds * 1000 + REQUEST_SLACK_MS;
  const timeout = setTimeout(
    () => controller.abort(new Error(`Tidings: no answer in ${limitMs} ms`)),
    limitMs,
  );
  try {
    const url = endpoint(settings, feed.cursor, waitSeconds > 0 ? { wait: String(waitSeconds) } : {});
    const response = await send(settings, url, 'application/json', controller.signal);
    const advice = response.headers.get('tidings-retry-after-ms');
    if (response.status === 304)
      return { events: 0, retryAfterMs: advice === null ? undefined : Number(advice) };
    if (!response.ok) throw await TidingsHttpError.from(response);
    const body = (await response.json()) as PollBody;
    if (body.reset) feed.reset({ reason: body.reason ?? 'unknown', cursor: body.cursor });
    for (const event of body.events) feed.accept(event);
    feed.cursor = body.cursor;
    return { events: body.events.length, retryAfterMs: body.retryAfterMs };
  } finally {
    clearTimeout(timeout);
    signal.removeEventListener('abort', abort);
  }
}
