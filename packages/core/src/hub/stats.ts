/**
 * Why a connection ended; exactly one per connection, documented in docs/operating.md:
 * - `client-closed` — the client went away (tab closed, `EventSource.close()`, network drop);
 * - `slow-consumer` — the stream's unsent bytes exceeded `maxBufferedBytes`;
 * - `auth-expired` — the subscription's credentials expired;
 * - `server-close` — the hub closed (shutdown, drain);
 * - `write-error` — writing to the socket threw;
 * - `limit` — a connection limit ended it;
 * - `broker-error` — the broker failed while serving it;
 * - `completed` — a poll or long-poll answered normally (events, or its wait ran out).
 */
export type DisconnectReason =
  | 'client-closed'
  | 'slow-consumer'
  | 'auth-expired'
  | 'server-close'
  | 'write-error'
  | 'limit'
  | 'broker-error'
  | 'completed';

/** Every {@link DisconnectReason}, in documentation order. */
export const DISCONNECT_REASONS: readonly DisconnectReason[] = [
  'client-closed',
  'slow-consumer',
  'auth-expired',
  'server-close',
  'write-error',
  'limit',
  'broker-error',
  'completed',
];

/** How a connection is served: an SSE stream, a held long-poll, or a poll answered at once. */
export type Transport = 'sse' | 'longPoll' | 'poll';

/** Every {@link Transport}. */
export const TRANSPORTS: readonly Transport[] = ['sse', 'longPoll', 'poll'];

/** A snapshot of a hub's activity, from {@link Hub.stats}. Counters only grow; gauges say "now". */
export interface HubStats {
  /** Open connections by transport (gauge). */
  connections: Record<Transport, number>;
  /** Connections ever opened, by transport. */
  connects: Record<Transport, number>;
  /** Topics with at least one local subscriber, one broker subscription each (gauge). */
  topics: number;
  /** Events published through this hub. */
  published: number;
  /** Live events handed to local subscribers (each event × each subscriber). */
  deliveries: number;
  /** Response bytes written: SSE frames, heartbeats and poll bodies. */
  bytesWritten: number;
  /** Events replayed from history (SSE resumes and poll responses). */
  replayed: number;
  /** Resets sent instead of a replay. */
  resets: number;
  /** Poll responses by outcome. */
  polls: { ok: number; notModified: number; timeout: number };
  /** Ended connections by reason. */
  disconnects: Record<DisconnectReason, number>;
  /** Events a slow stream skipped instead of disconnecting: dropped (`drop-oldest`) or superseded (`latest`). */
  slowConsumerDrops: number;
  /** Requests refused by a connection limit (`429 too-many-requests`). */
  limitRejections: number;
  /** Failed broker calls, and errors the broker reported itself. */
  brokerErrors: number;
  /** Times the broker reported it reconnected. */
  brokerReconnections: number;
}

/** Counters that {@link Hub.count} increments. */
export type CounterName =
  | 'replayed'
  | 'resets'
  | 'slowConsumerDrops'
  | 'limitRejections'
  | 'brokerErrors'
  | 'brokerReconnections';

function perTransport(): Record<Transport, number> {
  return { sse: 0, longPoll: 0, poll: 0 };
}

export function emptyStats(): HubStats {
  const disconnects = {} as Record<DisconnectReason, number>;
  for (const reason of DISCONNECT_REASONS) disconnects[reason] = 0;
  return {
    connections: perTransport(),
    connects: perTransport(),
    topics: 0,
    published: 0,
    deliveries: 0,
    bytesWritten: 0,
    replayed: 0,
    resets: 0,
    polls: { ok: 0, notModified: 0, timeout: 0 },
    disconnects,
    slowConsumerDrops: 0,
    limitRejections: 0,
    brokerErrors: 0,
    brokerReconnections: 0,
  };
}
