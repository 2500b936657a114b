import type { Feed, Outcome } from './feed.js';
import { endpoint, type RequestSettings } from './request.js';
import type { ResetInfo } from './types.js';

/** Whether this runtime has a native `EventSource`. */
export const hasEventSource = () => typeof EventSource === 'function';

/**
 * Runs one native `EventSource` connection until its first error (the ladder then reconnects
 * with its own jittered back-off and the current cursor, rather than the browser's fixed
 * retry). Limits of the native API: no custom headers, no access to heartbeats (so no stall
 * detection), and named events must be listed (`eventNames`). The start cursor must be
 * known before connecting (the caller fetches it with a poll), since `EventSource` cannot
 * read response headers.
 */
export function streamEventSource(
  settings: RequestSettings,
  feed: Feed,
  eventNames: readonly string[],
  signal: AbortSignal,
  onAlive: () => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const source = new EventSource(endpoint(settings, feed.cursor), {
      withCredentials: settings.credentials === 'include',
    });
    let alive = false;
    const finish = (outcome: Outcome) => {
      source.close();
      signal.removeEventListener('abort', stop);
      resolve(outcome);
    };
    const stop = () => finish('aborted');
    const onMessage = (message: MessageEvent<string>) => {
      if (message.lastEventId)
        feed.accept({ id: message.lastEventId, event: message.type, data: message.data });
    };
    source.onopen = () => {
      alive = true;
      onAlive();
    };
    source.onerror = () => finish(alive ? 'ended' : 'failed');
    source.addEventListener('reset', (message) => feed.reset(JSON.parse(message.data) as ResetInfo));
    for (const name of new Set(['message', ...eventNames])) source.addEventListener(name, onMessage);
    signal.addEventListener('abort', stop);
    if (signal.aborted) stop();
  });
}
