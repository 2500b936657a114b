import { LRUCache } from 'lru-cache';
import { ExpirySchedule } from '../auth/expiry-schedule.js';
import type { Broker, PublishRequest, StoredEvent } from '../broker/broker.js';
import { MemoryBroker } from '../broker/memory-broker.js';
import { TidingsError } from '../wire/errors.js';
import { encodeEvent } from '../wire/sse-encoder.js';
import { assertEventName, assertTopic } from '../wire/topic.js';
import { type Connection, ConnectionIds } from './connection.js';
import { type CloseOptions, spreadOver } from './drain.js';
import { FanOut } from './fan-out.js';
import { checkHealth, type HubHealth } from './health.js';
import { HeartbeatSchedule } from './heartbeat.js';
import { LatencyHistogram } from './latency-histogram.js';
import { Lifecycle } from './lifecycle.js';
import { ConnectionLimiter } from './limits.js';
import { type HubOptions, type ResolvedHubOptions, resolveHubOptions } from './options.js';
import {
  type CounterName,
  type DisconnectReason,
  emptyStats,
  type HubStats,
  type Transport,
} from './stats.js';
import type { Subscriber } from './subscriber.js';

export type { Subscriber } from './subscriber.js';

/**
 * Event names mapped to payload types, e.g. `{ note: { text: string }; ping: null }`: the
 * same map `subscribe<Events>()` of `@tidings/client` takes, so one type checks both sides.
 * An event published without a name is `message`. Default: any name, any payload.
 */
export type EventMap = Record<string, unknown>;

/** The payload type of event `Name` in `Events`. */
export type EventData<Events extends EventMap, Name extends keyof Events> = Events[Name];

/** Options of one {@link Hub.publish} call; `Name` is checked against the hub's {@link EventMap}. */
export interface PublishOptions<Name extends string = string> {
  /** SSE event name (`event:` field); omitted means `message`. */
  event?: Name;
}

/** The local subscribers of one topic, sharing one broker subscription. */
interface Channel {
  readonly subscribers: Set<Subscriber>;
  /** The one subscriber when there is exactly one (a per-user topic): delivered to without the set. */
  sole: Subscriber | undefined;
  readonly ready: Promise<() => void>;
  /** Time of its last event; kept here rather than in the hub's activity cache while it has subscribers. */
  lastEventAt: number;
}

/**
 * The heart of Tidings: publishes through the broker and fans each event out to local
 * subscribers. One hub can serve any number of adapters (`realtime({ hub })`).
 */
export class Hub<Events extends EventMap = EventMap> {
  readonly broker: Broker;
  readonly options: ResolvedHubOptions;
  /** The one heartbeat timer of this hub's SSE streams. */
  readonly heartbeat: HeartbeatSchedule;
  /** The one timer that closes streams whose token expired (`event: auth-expired`). */
  readonly expiry: ExpirySchedule;
  /** Connection and request-size limits; see {@link LimitOptions}. */
  readonly limiter: ConnectionLimiter;
  private readonly ownsBroker: boolean;
  /** The broker when it is the in-memory one, whose synchronous publish the hub calls directly. */
  private readonly memoryBroker: MemoryBroker | undefined;
  private readonly channels = new Map<string, Channel>();
  /** Hands each event to its topic's local subscribers, in order. */
  private readonly fanOutQueue = new FanOut((events, subscribers) => this.delivered(events, subscribers));
  private readonly connections = new Map<Subscriber, Connection>();
  private readonly connectionIds = new ConnectionIds();
  private readonly counters: HubStats = emptyStats();
  /** Hooks and logger. */
  readonly lifecycle: Lifecycle;
  /** Publish→write latency, recorded once metrics are exposed (see {@link Hub.latencyHistogram}). */
  private latency: LatencyHistogram | undefined;
  private readonly unwatchBroker: () => void;
  /** Last event time per topic without a channel, for the adaptive poll advice. */
  private readonly activity = new LRUCache<string, number>({ max: 10_000 });
  /** The last event the fan-out handled: a publish that fanned out synchronously has its activity recorded. */
  private lastFannedOut: StoredEvent | undefined;
  private closing = false;

  /** Throws a `TypeError` naming the first bad or unknown option; `where` names the caller in it. */
  constructor(options: HubOptions = {}, where = 'createHub()') {
    this.options = resolveHubOptions(options, where);
    this.ownsBroker = options.broker === undefined;
    this.broker = options.broker ?? new MemoryBroker(options.retention, this.options.now);
    this.memoryBroker = isPlainMemoryBroker(this.broker) ? this.broker : undefined;
    this.heartbeat = new HeartbeatSchedule(this.options.heartbeatMs);
    this.expiry = new ExpirySchedule();
    this.lifecycle = new Lifecycle(options);
    this.limiter = new ConnectionLimiter(this.options.limits, (limit, value) => {
      const message = `Tidings: this hub refused a connection at limits.${limit} = ${value} (429 until one closes); raise limits.${limit} if the node has room for more.`;
      if (!this.lifecycle.warn({ limit, value }, message))
        globalThis.process?.emitWarning?.(message, { code: 'TIDINGS_CONNECTION_LIMIT' });
    });
    this.unwatchBroker =
      this.broker.watch?.({
        error: (error) => this.brokerFailed(error),
        reconnected: () => {
          this.counters.brokerReconnections++;
          this.lifecycle.brokerReconnected();
        },
      }) ?? (() => {});
  }

  /** True once {@link Hub.close} was called: new requests get `503 shutting-down`. */
  get closed(): boolean {
    return this.closing;
  }

  /**
   * Publishes `data` on `topic` and resolves to the new event's id. With a typed hub
   * (`createHub<Events>()`), `data` must be the payload type of `options.event` (of `message`
   * when no event is given). Strings are sent as
   * they are; anything else is serialized with `JSON.stringify`, once, whatever the number
   * of subscribers. Throws a `TidingsError` for a bad topic or event name, an oversized
   * payload, or a broker that is unreachable.
   *
   * A `broker-unavailable` rejection means the event was not stored and will not be
   * delivered. The exception has its own code, `publish-outcome-unknown`: a publish in flight
   * when the Redis or NATS connection failed, whose broker did not come back within its
   * timeout, may have been stored just before and is then delivered once the broker is back
   * (docs/scaling-out.md, "What a rejected publish means").
   */
  async publish<Name extends keyof Events & string = 'message' & keyof Events>(
    topic: string,
    data: EventData<Events, Name>,
    options?: PublishOptions<Name>,
  ): Promise<string> {
    if (this.closing) throw new TidingsError('shutting-down', 'The hub is closed');
    assertTopic(topic);
    const event = options?.event;
    if (event !== undefined) assertEventName(event);
    const payload = typeof data === 'string' ? data : serialize(data);
    const { maxEventBytes } = this.options;
    // A UTF-16 code unit is at most 3 UTF-8 bytes: short payloads need no byte count.
    if (payload.length * 3 > maxEventBytes) {
      const bytes = Buffer.byteLength(payload);
      if (bytes > maxEventBytes) {
        throw new TidingsError('event-too-large', `Event of ${bytes} bytes exceeds ${maxEventBytes}`);
      }
    }
    const request: PublishRequest = { topic, event, data: payload };
    let stored: StoredEvent;
    try {
      // The in-memory broker appends and fans out synchronously: no promise of its own to wait for.
      stored = this.memoryBroker ? this.memoryBroker.publishNow(request) : await this.broker.publish(request);
    } catch (error) {
      this.counters.brokerErrors++;
      throw error;
    }
    // Unless the fan-out recorded it on the topic's channel already (an in-memory broker's, synchronous).
    if (this.lastFannedOut !== stored) this.activity.set(topic, stored.time);
    this.counters.published++;
    this.lifecycle.published(stored.id, topic, event, payload);
    return stored.id;
  }

  /** Adds `subscriber` to each topic, subscribing the broker to topics new to this node. */
  async attach(subscriber: Subscriber, topics: readonly string[]): Promise<void> {
    const pending: Promise<unknown>[] = [];
    for (const topic of topics) {
      let channel = this.channels.get(topic);
      if (!channel) {
        const created: Channel = {
          subscribers: new Set(),
          sole: undefined,
          // The broker calls the listener only for events published after this returns.
          ready: this.broker.subscribe(topic, (event) => this.fanOut(created, event)),
          lastEventAt: 0,
        };
        channel = created;
        this.channels.set(topic, channel);
        // A failed subscription is reported to the attaching request; forget the channel.
        created.ready.catch(() => this.channels.get(topic) === created && this.channels.delete(topic));
      }
      channel.subscribers.add(subscriber);
      channel.sole = soleOf(channel.subscribers);
      pending.push(channel.ready);
    }
    await Promise.all(pending);
  }

  /** Removes `subscriber`; a topic without local subscribers releases its broker subscription. */
  detach(subscriber: Subscriber, topics: readonly string[]): void {
    for (const topic of topics) {
      const channel = this.channels.get(topic);
      if (!channel?.subscribers.delete(subscriber)) continue;
      channel.sole = soleOf(channel.subscribers);
      if (channel.subscribers.size > 0) continue;
      this.channels.delete(topic);
      if (channel.lastEventAt > 0) this.activity.set(topic, channel.lastEventAt);
      channel.ready.then(
        (unsubscribe) => unsubscribe(),
        () => {},
      );
    }
  }

  /** Counts an open connection until {@link Hub.untrack}, gives it an id and calls `onConnect`. */
  track(subscriber: Subscriber, transport: Transport, topics: readonly string[]): Connection {
    const connection: Connection = {
      id: this.connectionIds.issue(),
      transport,
      topics,
      openedAt: this.options.now(),
      delivered: 0,
      lastEventId: undefined,
    };
    this.connections.set(subscriber, connection);
    this.counters.connections[transport]++;
    this.counters.connects[transport]++;
    this.lifecycle.connected(connection);
    return connection;
  }

  /** Forgets a connection, records why it ended and calls `onDisconnect`. */
  untrack(subscriber: Subscriber, reason: DisconnectReason): void {
    const connection = this.connections.get(subscriber);
    if (connection === undefined) return;
    this.connections.delete(subscriber);
    this.counters.connections[connection.transport]--;
    this.counters.disconnects[reason]++;
    this.lifecycle.disconnected(connection, reason, this.options.now());
  }

  /** Adds to a counter of {@link HubStats}: replayed events, resets, bytes, rejections, broker trouble. */
  count(counter: CounterName, by = 1): void {
    this.counters[counter] += by;
  }

  /** Counts response bytes written; its own method so the per-write call site stays monomorphic. */
  countWritten(bytes: number): void {
    this.counters.bytesWritten += bytes;
  }

  /** Counts a failed broker call (or one the broker reported) and reports it to `onError`. */
  brokerFailed(error: unknown, connectionId?: string): void {
    this.counters.brokerErrors++;
    this.lifecycle.failed(
      error,
      connectionId === undefined ? { source: 'broker' } : { source: 'broker', connectionId },
    );
  }

  /**
   * Broker errors so far (`brokerErrors` of {@link Hub.stats}). Live delivery may have a gap
   * after one, so a long-poll answered from a live event checks that none came since it
   * joined its topics.
   */
  get brokerErrorCount(): number {
    return this.counters.brokerErrors;
  }

  countPoll(outcome: keyof HubStats['polls']): void {
    this.counters.polls[outcome]++;
  }

  /** When `topics` last saw an event on this node (0 if not recently). */
  lastActivity(topics: readonly string[]): number {
    let latest = 0;
    for (const topic of topics) {
      const at = this.channels.get(topic)?.lastEventAt || this.activity.get(topic) || 0;
      latest = Math.max(latest, at);
    }
    return latest;
  }

  /** Open connections of every transport. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** A snapshot of counters and gauges. */
  stats(): HubStats {
    const { connections, connects, polls, disconnects } = this.counters;
    return {
      ...this.counters,
      connections: { ...connections },
      connects: { ...connects },
      polls: { ...polls },
      disconnects: { ...disconnects },
      topics: this.channels.size,
    };
  }

  /** Readiness: whether the broker answers and whether the hub is draining. */
  health(): Promise<HubHealth> {
    return checkHealth(this);
  }

  /** Open connections with their unsent bytes, for the debug view. */
  listConnections(): Array<{ connection: Connection; bufferedBytes: number }> {
    return [...this.connections].map(([subscriber, connection]) => ({
      connection,
      bufferedBytes: subscriber.bufferedBytes ?? 0,
    }));
  }

  /** Local subscribers per topic, for the debug view. */
  listTopics(): Array<{ topic: string; subscribers: number }> {
    return [...this.channels].map(([topic, channel]) => ({ topic, subscribers: channel.subscribers.size }));
  }

  /**
   * The publish→write latency histogram; recording starts on the first call (metrics
   * handlers call it), so a hub without metrics does no latency work at all.
   */
  latencyHistogram(): LatencyHistogram {
    this.latency ??= new LatencyHistogram();
    return this.latency;
  }

  /**
   * Ends every stream and pending long-poll (reason `server-close`), stops the heartbeat and
   * closes the broker if the hub created it. New requests get `503 shutting-down` at once and
   * pending long-polls are answered at once; with `graceMs`, open SSE streams end in random
   * order spread over that time, each told a fresh random `retry:`, so a rolling deploy does
   * not make every client reconnect in the same instant.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const streams: Subscriber[] = [];
    for (const [subscriber, connection] of [...this.connections]) {
      // Streams (tracked as `sse`) reconnect elsewhere: spread them over the grace period.
      if (connection.transport === 'sse') streams.push(subscriber);
      else subscriber.close('server-close');
    }
    await spreadOver(streams, options.graceMs ?? 0, (stream) => stream.close('server-close'));
    this.expiry.stop();
    this.heartbeat.stop();
    this.unwatchBroker();
    for (const subscriber of [...this.connections.keys()]) subscriber.close('server-close');
    if (this.ownsBroker) await this.broker.close();
  }

  /**
   * A broker event for a topic: straight to a topic's one subscriber (a per-user topic) when no
   * fan-out is in progress, else through {@link FanOut}, which keeps every event in order.
   */
  private fanOut(channel: Channel, event: StoredEvent): void {
    channel.lastEventAt = event.time;
    this.lastFannedOut = event;
    const { sole, subscribers } = channel;
    if (sole === undefined && subscribers.size === 0) return;
    if (sole === undefined || this.fanOutQueue.busy) {
      this.fanOutQueue.add(subscribers, event);
      return;
    }
    this.counters.deliveries++;
    sole.deliver(event, encodeEvent(event));
    this.latency?.observe((this.options.now() - event.time) / 1000);
  }

  /** `events` reached `subscribers` local subscribers each. */
  private delivered(events: readonly StoredEvent[], subscribers: number): void {
    this.counters.deliveries += events.length * subscribers;
    if (this.latency === undefined) return;
    const now = this.options.now();
    for (const event of events) this.latency.observe((now - event.time) / 1000);
  }
}

/** The only member of `subscribers`, if it has exactly one. */
function soleOf(subscribers: Set<Subscriber>): Subscriber | undefined {
  if (subscribers.size !== 1) return undefined;
  const [sole] = subscribers;
  return sole;
}

/** A {@link MemoryBroker} whose `publish` is its own (not overridden), so `publishNow` does the same. */
function isPlainMemoryBroker(broker: Broker): broker is MemoryBroker {
  return broker instanceof MemoryBroker && broker.publish === MemoryBroker.prototype.publish;
}

/**
 * `data` as JSON text, or `invalid-request` for what JSON cannot carry: `undefined`, a
 * function, a `BigInt`, a circular structure (the last two make `JSON.stringify` throw).
 */
function serialize(data: unknown): string {
  let payload: string | undefined;
  try {
    payload = JSON.stringify(data);
  } catch (error) {
    throw new TidingsError('invalid-request', `publish() data is not JSON-serializable: ${describe(error)}`, {
      cause: error,
    });
  }
  if (typeof payload !== 'string') {
    throw new TidingsError('invalid-request', 'publish() data must be a string or JSON-serializable');
  }
  return payload;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates a {@link Hub}. `Events` types `publish`: `createHub<Events>()` with the map the
 * client's `subscribe<Events>()` takes. Throws a `TypeError` naming the first bad or unknown option.
 */
export function createHub<Events extends EventMap = EventMap>(options: HubOptions = {}): Hub<Events> {
  return new Hub<Events>(options);
}
