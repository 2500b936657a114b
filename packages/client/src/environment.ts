/** A change of the page's visibility or the network's availability. */
export type EnvironmentChange = 'visible' | 'hidden' | 'online' | 'offline';

/** What the client needs to know about its surroundings: the browser's signals, or none in Node. */
export interface Environment {
  hidden(): boolean;
  online(): boolean;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  watch(listener: (change: EnvironmentChange) => void): () => void;
}

/**
 * The page's `visibilitychange` and the window's `online`/`offline` events. In Node (no
 * `document`, no `window` events) the page is always visible and online.
 */
export function hostEnvironment(): Environment {
  const doc = globalThis.document as Document | undefined;
  const nav = globalThis.navigator as Navigator | undefined;
  const win = typeof globalThis.addEventListener === 'function' ? globalThis : undefined;
  return {
    hidden: () => doc?.visibilityState === 'hidden',
    online: () => nav?.onLine !== false,
    watch(listener) {
      const onVisibility = () => listener(doc?.visibilityState === 'hidden' ? 'hidden' : 'visible');
      const onOnline = () => listener('online');
      const onOffline = () => listener('offline');
      doc?.addEventListener('visibilitychange', onVisibility);
      win?.addEventListener('online', onOnline);
      win?.addEventListener('offline', onOffline);
      return () => {
        doc?.removeEventListener('visibilitychange', onVisibility);
        win?.removeEventListener('online', onOnline);
        win?.removeEventListener('offline', onOffline);
      };
    },
  };
}
