import type { ConnectionState, RawEvent, ResetInfo, Transport } from './types.js';

/** What the leader tab posts to the others, and the `hello` a new tab posts to learn the state. */
export type ShareMessage =
  | { readonly t: 'event'; readonly event: RawEvent }
  | { readonly t: 'reset'; readonly reset: ResetInfo }
  /** A connection error of the leader's, as text (an `Error` may not survive structured cloning). */
  | { readonly t: 'error'; readonly message: string }
  | {
      readonly t: 'state';
      readonly state: ConnectionState;
      readonly transport: Transport;
      readonly cursor: string | undefined;
    }
  | { readonly t: 'hello' };

/** Whether tabs can share one connection here: Web Locks and BroadcastChannel in a page. */
export function canShare(): boolean {
  return (
    typeof document !== 'undefined' &&
    typeof BroadcastChannel === 'function' &&
    typeof globalThis.navigator?.locks?.request === 'function'
  );
}

/**
 * One connection per browser instead of one per tab. The tabs subscribed to the same
 * `key` race for a Web Lock of that name; the holder runs `lead` (the real connection) and
 * posts everything it receives on a BroadcastChannel; the others `follow` those messages
 * (a tab that joins says `hello` and gets the leader's `snapshot`: state and cursor).
 * When the leader's tab closes, the browser releases its lock, the next tab in line
 * becomes leader and connects from its own last id, so nothing is lost.
 */
export function share(
  key: string,
  follow: (message: ShareMessage) => void,
  lead: (post: (message: ShareMessage) => void) => Promise<void>,
  snapshot: () => ShareMessage,
  signal: AbortSignal,
): void {
  const channel = new BroadcastChannel(key);
  let leading = false;
  const post = (message: ShareMessage) => channel.postMessage(message);
  channel.onmessage = ({ data }: MessageEvent<ShareMessage>) => {
    if (!leading) {
      if (data.t !== 'hello') follow(data);
    } else if (data.t === 'hello') post(snapshot());
  };
  channel.postMessage({ t: 'hello' } satisfies ShareMessage);
  navigator.locks
    .request(key, { signal }, () => {
      leading = true;
      return lead(post);
    })
    .catch(() => {
      // aborted while waiting in line, or the leader's connection failed fatally (reported by lead)
    })
    .finally(() => channel.close());
}
