/**
 * Why a stream or a waiting long-poll ended; exactly one per connection. `completed` is a
 * long-poll answered normally (events, or its wait ran out).
 */
export type DisconnectReason =
  | 'client-closed'
  | 'slow-consumer'
  | 'auth-expired'
  | 'server-close'
  | 'write-error'
  | 'broker-error'
  | 'completed';

/** A snapshot of a hub's activity, from {@link Hub.stats}. */
export interface HubStats {
  /** Open connections by transport. */
  connections: { sse: number; longPoll: number };
  /** Topics with at least one local subscriber (one broker subscription each). */
  topics: number;
  /** Events published through this hub. */
  published: number;
  /** Live events handed to local subscribers (each event × each subscriber). */
  deliveries: number;
  /** Events replayed from history (SSE resumes and poll responses). */
  replayed: number;
  /** Resets sent instead of a replay. */
  resets: number;
  /** Poll responses by outcome. */
  polls: { ok: number; notModified: number; timeout: number };
  /** Ended connections by reason. */
  disconnects: Record<DisconnectReason, number>;
}

export function emptyStats(): HubStats {
  return {
    connections: { sse: 0, longPoll: 0 },
    topics: 0,
    published: 0,
    deliveries: 0,
    replayed: 0,
    resets: 0,
    polls: { ok: 0, notModified: 0, timeout: 0 },
    disconnects: {
      'client-closed': 0,
      'slow-consumer': 0,
      'auth-expired': 0,
      'server-close': 0,
      'write-error': 0,
      'broker-error': 0,
      completed: 0,
    },
  };
}
