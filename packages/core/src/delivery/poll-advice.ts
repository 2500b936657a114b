import type { Hub } from '../hub/hub.js';

/**
 * The server's advice for the next poll, `retryAfterMs` (see PROTOCOL.md, "Adaptive polling"):
 * - `0` when the response was cut by the replay limit (more is waiting);
 * - `minIntervalMs` while the topics are active (an event within `activeWindowMs`, or in this response);
 * - otherwise a quarter of the idle time, between `minIntervalMs` and `maxIntervalMs`;
 * - stretched in proportion when open connections exceed `busyConnections`, never above `maxIntervalMs`.
 */
export function adviseRetryMs(hub: Hub, topics: readonly string[], delivered: number, more: boolean): number {
  if (more) return 0;
  const { minIntervalMs, maxIntervalMs, activeWindowMs, busyConnections } = hub.options.poll;
  let interval = minIntervalMs;
  // Events in this response: the topics are active now (no clock read for the common wake answer).
  if (delivered === 0) {
    const latest = hub.lastActivity(topics);
    const idleMs = latest === 0 ? Number.POSITIVE_INFINITY : hub.options.now() - latest;
    if (idleMs > activeWindowMs) interval = Math.max(minIntervalMs, idleMs / 4);
  }
  const load = hub.openConnections / busyConnections;
  if (load > 1) interval *= load;
  return Math.round(Math.min(interval, maxIntervalMs));
}
