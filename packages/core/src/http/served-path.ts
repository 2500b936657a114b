import type { Hub } from '../hub/hub.js';

/** Where an adapter's handler keeps the hub it serves, so another can recognize it on the same path. */
const SERVES = Symbol.for('tidings.serves');

/** What a mounted Tidings handler serves: its hub and, when the adapter knows it, its path. */
export interface Served {
  readonly hub: Hub;
  readonly path?: string | undefined;
}

/** Marks `handler` as serving `hub` (at `path`, when the adapter is told it); returns it. */
export function markServed<T extends object>(handler: T, served: Served): T {
  Object.defineProperty(handler, SERVES, { value: served });
  return handler;
}

/** The hub (and path) a handler serves, if it is a Tidings handler. */
export function servedBy(handler: unknown): Served | undefined {
  return typeof handler === 'function' || (typeof handler === 'object' && handler !== null)
    ? (handler as { [SERVES]?: Served })[SERVES]
    : undefined;
}

const warned = new WeakMap<object, Set<string>>();

/**
 * Warns once per app and path that a second hub is mounted where one already answers: only
 * the first answers, so the other's `publish` reaches no one. Logged with the hub's logger
 * at `warn`, or, without one, emitted as a Node warning (`TIDINGS_PATH_SERVED_TWICE`).
 */
export function warnServedTwice(app: object, path: string, hub: Hub): void {
  const paths = warned.get(app) ?? new Set<string>();
  warned.set(app, paths);
  if (paths.has(path)) return;
  paths.add(path);
  const message = `Tidings: ${path} is served by two realtime() hubs; only the first answers, so the other's publish() reaches no one. Mount one realtime() per path, or share one hub: realtime({ hub }).`;
  if (!hub.lifecycle.warn({ path }, message))
    process.emitWarning(message, { code: 'TIDINGS_PATH_SERVED_TWICE' });
}
