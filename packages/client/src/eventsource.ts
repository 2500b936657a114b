import { type Feed, type Outcome, sseEvent } from './feed.js';
import { endpoint, type RequestSettings } from './request.js';
import type { StreamTiming } from './sse.js';
import type { ResetInfo } from './types.js';

/** Whether this runtime has a native `EventSource`. */
export const hasEventSource = () => typeof EventSource === 'function';

/**
 * Runs one native `EventSource` connection until its first error (the ladder then reconnects
 * with its own jittered back-off and the current cursor, rather than the browser's fixed
 * retry). Limits of the native API: no custom headers, no access to heartbeats (so a stall
 * is only detected before `open`, i.e. while a proxy holds the response head), and named
 * events must be listed (`eventNames`). It starts from the feed's cursor.
 */
export function streamEventSource(
  settings: RequestSettings,
  feed: Feed,
  timing: StreamTiming,
  eventNames: readonly string[],
  signal: AbortSignal,
  onAlive: () => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const url = endpoint(settings, feed.cursor);
    const source = new EventSource(url, { withCredentials: settings.credentials === 'include' });
    let alive = false;
    const watchdog = setTimeout(() => finish('stalled'), timing.stallMs);
    const finish = (outcome: Outcome) => {
      clearTimeout(watchdog);
      source.close();
      signal.removeEventListener('abort', stop);
      resolve(outcome);
    };
    const stop = () => finish('aborted');
    const onMessage = (message: MessageEvent<string>) => {
      if (message.lastEventId) feed.accept(sseEvent(message.lastEventId, message.type, message.data));
    };
    source.onopen = () => {
      clearTimeout(watchdog);
      alive = true;
      onAlive();
    };
    source.onerror = () => {
      if (!alive) feed.error(new Error(`Tidings: EventSource could not connect to ${url}`));
      finish(alive ? 'ended' : 'failed');
    };
    source.addEventListener('reset', (message) => feed.reset(JSON.parse(message.data) as ResetInfo));
    for (const name of new Set(['message', ...eventNames])) source.addEventListener(name, onMessage);
    signal.addEventListener('abort', stop);
    if (signal.aborted) stop();
  });
}
