import { type MaybePromise, type RealtimeHandler, sendError } from '../http/handler.js';
import type { Hub } from '../hub/hub.js';
import type { Transport } from '../hub/stats.js';
import { isTidingsError, TidingsError } from '../wire/errors.js';
import type { RealtimeRequest } from '../wire/transport.js';

/** Options of {@link createDebugHandler}. */
export interface DebugHandlerOptions<Ctx> {
  /**
   * Required: whether this request may see the debug view — use the app's own admin check.
   * Return `false` (or throw a `TidingsError`) to answer 403.
   */
  authorize: (ctx: Ctx, req: RealtimeRequest) => MaybePromise<boolean>;
  /** Most topics and most connections listed. Default 1,000 each. */
  maxEntries?: number;
}

/** What the debug view shows: this node's topics and connections. */
export interface DebugSnapshot {
  readonly draining: boolean;
  readonly connections: Record<Transport, number>;
  readonly topics: ReadonlyArray<{
    readonly topic: string;
    /** Local subscribers. */
    readonly subscribers: number;
    /** Events retained for replay; `null` when the broker cannot tell. */
    readonly retained: number | null;
  }>;
  readonly openConnections: ReadonlyArray<{
    readonly id: string;
    readonly transport: Transport;
    readonly topics: readonly string[];
    readonly ageMs: number;
    /** Bytes queued for the client but not yet sent. */
    readonly bufferedBytes: number;
    readonly delivered: number;
    readonly lastEventId: string | null;
  }>;
  /** True when `maxEntries` cut a list. */
  readonly truncated: boolean;
}

/** Reads this node's topics and connections, oldest connections first. */
export async function debugSnapshot(hub: Hub, maxEntries = 1_000): Promise<DebugSnapshot> {
  const now = hub.options.now();
  const allTopics = hub.listTopics();
  const allConnections = hub.listConnections();
  const topics = await Promise.all(
    allTopics.slice(0, maxEntries).map(async ({ topic, subscribers }) => ({
      topic,
      subscribers,
      retained: hub.broker.retained ? await hub.broker.retained(topic).catch(() => null) : null,
    })),
  );
  const openConnections = allConnections.slice(0, maxEntries).map(({ connection, bufferedBytes }) => ({
    id: connection.id,
    transport: connection.transport,
    topics: connection.topics,
    ageMs: now - connection.openedAt,
    bufferedBytes,
    delivered: connection.delivered,
    lastEventId: connection.lastEventId ?? null,
  }));
  return {
    draining: hub.closed,
    connections: hub.stats().connections,
    topics,
    openConnections,
    truncated: allTopics.length > maxEntries || allConnections.length > maxEntries,
  };
}

/**
 * An opt-in JSON view of this node's topics (subscribers, retained events) and connections
 * (transport, age, buffered bytes, last event id), behind the app's own `authorize`.
 */
export function createDebugHandler<Ctx>(hub: Hub, options: DebugHandlerOptions<Ctx>): RealtimeHandler<Ctx> {
  if (typeof options?.authorize !== 'function') {
    throw new TypeError('Tidings: createDebugHandler needs an authorize(ctx, req) function');
  }
  return async (req, sink, ctx) => {
    try {
      if (req.method !== 'GET') throw new TidingsError('method-not-allowed', 'Use GET');
      if (!(await options.authorize(ctx, req)))
        throw new TidingsError('forbidden', 'Not allowed to see the debug view');
      const snapshot = await debugSnapshot(hub, options.maxEntries);
      sink.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      sink.end(JSON.stringify(snapshot));
    } catch (error) {
      if (!isTidingsError(error)) hub.lifecycle.failed(error, { source: 'request' });
      sendError(sink, error);
    }
  };
}
