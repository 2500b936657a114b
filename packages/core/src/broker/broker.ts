import type { Cursor } from '../wire/event-id.js';

/** An event as stored and delivered: immutable once published. */
export interface StoredEvent {
  /** Hub-wide id, `<epoch>-<seq>`; the SSE `id:` and the poll `id`. */
  readonly id: string;
  /** The sequence number inside `id`, strictly increasing across all topics of the hub. */
  readonly seq: number;
  readonly topic: string;
  /** Event name; `undefined` means the SSE default, `message`. */
  readonly event: string | undefined;
  /** The payload exactly as written on the wire (already serialized). */
  readonly data: string;
  /** Publish time, milliseconds since the Unix epoch. */
  readonly time: number;
}

/** What a hub asks a broker to append. */
export interface PublishRequest {
  readonly topic: string;
  readonly event: string | undefined;
  /**
   * Stored and delivered exactly, code unit for code unit (a BOM, NUL, CR and any length up
   * to the hub's `maxEventBytes` included), except lone surrogates, which are not text:
   * every broker stores them as U+FFFD (`wellFormed`).
   */
  readonly data: string;
}

/**
 * Why a resume cannot continue exactly where the client left off:
 * `expired` — events after the cursor fell out of retention;
 * `unknown` — the cursor belongs to another epoch (a restarted in-memory hub, a wiped broker)
 * or lies ahead of anything this hub has issued.
 */
export type ResetReason = 'expired' | 'unknown';

/** Events after a cursor, or the verdict that the client must reset. */
export type HistoryResult =
  | {
      readonly reset: false;
      /** Events of the requested topics after the cursor, in id order. */
      readonly events: readonly StoredEvent[];
      /** True when `limit` cut the list: ask again from the last event. */
      readonly more: boolean;
    }
  | {
      readonly reset: true;
      readonly reason: ResetReason;
      /** Where to continue from: the hub's newest position. */
      readonly head: Cursor;
    };

/** Called for every event published on a subscribed topic, by any node. */
export type EventListener = (event: StoredEvent) => void;

/** Bounds on what a broker keeps for replay, per topic. */
export interface RetentionOptions {
  /** Most events kept per topic. Default 1000. */
  maxEvents?: number;
  /** Most payload bytes kept per topic (in-memory broker). Default 1 MiB. */
  maxBytes?: number;
  /** Oldest event kept, in milliseconds. Default 10 minutes. */
  maxAgeMs?: number;
  /** Most topics with history kept; the least recently used are forgotten first. Default 10,000. */
  maxTopics?: number;
}

/** Whether a broker is reachable, for readiness probes. */
export interface BrokerHealth {
  readonly ok: boolean;
  /** Why not, or anything worth showing an operator. */
  readonly detail?: string;
}

/** What a broker tells the hub about its connection, for metrics, logs and `onError`. */
export interface BrokerMonitor {
  /** The connection failed or a background operation (e.g. a subscription) errored. */
  error(error: unknown): void;
  /** The connection is back after an error. */
  reconnected(): void;
}

/**
 * The boundary between the hub and where events live. The in-memory broker is the default;
 * `@tidings/redis` and `@tidings/nats` implement the same contract, checked by one
 * conformance suite (`test/broker-conformance.test.ts`).
 *
 * Contract:
 * - `publish` assigns the next hub-wide sequence number atomically with the append, so ids
 *   agree on every node and are totally ordered.
 * - `history` returns, in id order, the retained events of the given topics with
 *   `seq > after.seq`, or a reset when that set may be incomplete (never a silent gap).
 * - `subscribe` resolves once live delivery is active: every event published after that
 *   reaches the listener, in order. The hub calls it once per topic with local subscribers.
 * - Listeners of different topics are called in id order too: a stream of several topics
 *   holds one cursor, a position in the hub-wide order, and drops what is not newer.
 */
export interface Broker {
  /** Appends an event to its topic's history and fans it out to every node. */
  publish(request: PublishRequest): Promise<StoredEvent>;
  /** The newest position in this hub (the last issued id, or `<epoch>-0`). */
  head(): Promise<Cursor>;
  /** Retained events after `after` for `topics`, at most `limit`. */
  history(topics: readonly string[], after: Cursor, limit: number): Promise<HistoryResult>;
  /** Starts live delivery of `topic`; resolves to a function that stops it. */
  subscribe(topic: string, listener: EventListener): Promise<() => void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
  /** Optional: whether the broker is reachable now. Without it, `hub.health()` probes `head()`. */
  health?(): Promise<BrokerHealth>;
  /** Optional: reports connection errors and reconnections until the returned function is called. */
  watch?(monitor: BrokerMonitor): () => void;
  /** Optional: how many events `topic` retains for replay now, for the debug view. */
  retained?(topic: string): Promise<number>;
}
