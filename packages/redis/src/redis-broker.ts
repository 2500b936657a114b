import {
  type Broker,
  type BrokerHealth,
  type BrokerMonitor,
  type Cursor,
  checkOptions,
  DEFAULT_RETENTION,
  type EventListener,
  formatEventId,
  type HistoryResult,
  newEpoch,
  PublishIds,
  type PublishRequest,
  type StoredEvent,
  wellFormed,
} from '@tidings/core';
import { Redis } from 'ioredis';
import { GuardedConnection, unavailable } from './connection.js';
import { ConnectionWatch } from './connection-watch.js';
import { publishIdTtlMs, replyOf, runExactly } from './exact-run.js';
import { type HubKeys, hubKeys } from './keys.js';
import { LiveTopics } from './live-topics.js';
import { LuaScript } from './lua-script.js';
import { decodeEntry } from './message.js';
import { REDIS_SCHEMA, type RedisBrokerOptions } from './options.js';
import { PublishQueue, type QueuedPublish } from './publish-queue.js';
import { HEAD, HISTORY, PUBLISH, SETTLE } from './scripts.js';

const publishScript = new LuaScript(PUBLISH);
const settleScript = new LuaScript(SETTLE);
const historyScript = new LuaScript(HISTORY);
const headScript = new LuaScript(HEAD);

type StreamEntry = [string, string[]];

/** Forgotten topics keep a tombstone (~100 bytes) so their resumes stay exact: this many per `maxTopics`. */
const TOMBSTONES_PER_TOPIC = 10;

/**
 * A {@link Broker} on Redis: shared history and fan-out for every node of a hub.
 *
 * - One hash holds the hub's epoch and sequence; a Lua script increments the sequence, appends
 *   the event to its topic's stream with the stream id `<seq>-0` and `PUBLISH`es it, atomically.
 *   Ids are therefore the same on every node and totally ordered across topics.
 * - Streams are trimmed by count and age; the highest trimmed seq of each topic is kept, so a
 *   resume from before it gets a reset instead of a gap.
 * - Each node holds one `SUBSCRIBE` per topic with local subscribers, on its own connection.
 * - While Redis is away, commands fail at once with `broker-unavailable` (never queued), open
 *   streams stay open, and after the reconnect live delivery resumes where it stopped.
 */
export class RedisBroker implements Broker {
  private readonly keys: HubKeys;
  private readonly commands: GuardedConnection;
  private readonly subscriber: GuardedConnection;
  private readonly live: LiveTopics;
  private readonly watcher: ConnectionWatch;
  private readonly ownsClient: boolean;
  private readonly retention: { maxEvents: number; maxAgeMs: number; maxTopics: number };
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly publishIds = new PublishIds();
  private readonly queue = new PublishQueue(
    (batch) => this.publishBatch(batch),
    (error) => replyOf(error)?.message.startsWith('WRONGTYPE') === true,
  );

  /** Throws a `TypeError` naming the first bad or unknown option. Connects in the background; prefer {@link createRedisBroker}. */
  constructor(options: RedisBrokerOptions = {}) {
    checkOptions('createRedisBroker()', options, REDIS_SCHEMA);
    this.keys = hubKeys(options.prefix ?? 'tidings');
    const timeoutMs = options.commandTimeoutMs ?? 2_000;
    this.timeoutMs = timeoutMs;
    const retention = options.retention ?? {};
    this.retention = {
      maxEvents: retention.maxEvents ?? DEFAULT_RETENTION.maxEvents,
      maxAgeMs: retention.maxAgeMs ?? DEFAULT_RETENTION.maxAgeMs,
      maxTopics: retention.maxTopics ?? DEFAULT_RETENTION.maxTopics,
    };
    this.now = options.now ?? Date.now;
    const given = options.redis;
    this.ownsClient = typeof given !== 'object';
    const client = typeof given === 'object' ? given : new Redis(given ?? 'redis://127.0.0.1:6379', failFast);
    const subscriber = client.duplicate({ ...failFast, autoResubscribe: false, lazyConnect: false });
    // Errors reach callers as rejections and the hub through watch(); ioredis would log them.
    if (this.ownsClient) client.on('error', () => {});
    subscriber.on('error', () => {});
    this.commands = new GuardedConnection(client, timeoutMs);
    this.subscriber = new GuardedConnection(subscriber, timeoutMs);
    this.watcher = new ConnectionWatch([this.commands, this.subscriber]);
    this.live = new LiveTopics(
      this.subscriber,
      this.keys.channelPrefix,
      (topics, after, limit) => this.history(topics, after, limit),
      () => this.head(),
      (error) => this.watcher.error(error),
    );
  }

  /** Whether both connections to Redis are up now. */
  get available(): boolean {
    return this.watcher.up;
  }

  /** Whether Redis answers now, for readiness probes (`hub.health()`). */
  async health(): Promise<BrokerHealth> {
    if (!this.available) return { ok: false, detail: this.connectionStates() };
    try {
      await this.head();
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  private connectionStates(): string {
    return `Redis connections: commands ${this.commands.client.status}, pub/sub ${this.subscriber.client.status}`;
  }

  /** Reports losing Redis (once per outage) and getting it back, until the returned function is called. */
  watch(monitor: BrokerMonitor): () => void {
    return this.watcher.watch(monitor);
  }

  /** Events `topic` retains for replay now (its stream's length). */
  async retained(topic: string): Promise<number> {
    return this.commands.run((client) => client.xlen(this.keys.streamPrefix + topic));
  }

  /** Topics this node holds a Redis subscription for. */
  get liveTopics(): number {
    return this.live.size;
  }

  /**
   * Appends and fans out atomically (one Lua script). Publishes made while a call of that script
   * is in flight go together in the next call, in call order, so under load one call appends
   * many events (see publish-queue.ts). Resolves once appended; rejects with
   * `broker-unavailable` when it was not: at once while Redis is known to be away, or after a
   * lost reply once Redis confirms it did not run (the publish id makes the retry idempotent).
   * Only when Redis stays unreachable for about twice `commandTimeoutMs` after a reply was lost
   * does it reject with `publish-outcome-unknown`: the event may then still be
   * delivered once Redis is back (docs/scaling-out.md, "What a rejected publish means").
   */
  async publish({ topic, event, data: sent }: PublishRequest): Promise<StoredEvent> {
    // Known to be away (a connection was lost): refuse before sending, so the rejection is exact.
    // The commands connection may not have noticed yet; a write into its dead socket would only
    // end as "outcome unknown" after twice the command timeout.
    if (this.watcher.outage) throw unavailable(new Error(this.connectionStates()));
    const data = wellFormed(sent);
    const time = this.now();
    const { epoch, seq } = await this.queue.add({ topic, event, data, time });
    return { id: formatEventId(epoch, seq), seq, topic, event, data, time };
  }

  /** Appends a batch with one script call, exactly once (see {@link publish}). */
  private async publishBatch(batch: readonly QueuedPublish[]): Promise<Cursor> {
    const { hub, trimmed, topics, tombstones, streamPrefix, channelPrefix } = this.keys;
    const { maxEvents, maxAgeMs, maxTopics } = this.retention;
    const publishKey = this.keys.publishPrefix + this.publishIds.next();
    const ttl = publishIdTtlMs(this.timeoutMs);
    const numbers = new Map<string, number>();
    const events: (string | number)[] = [];
    for (const { topic, event, data, time } of batch) {
      let n = numbers.get(topic);
      if (n === undefined) {
        n = numbers.size + 1;
        numbers.set(topic, n);
      }
      events.push(n, event ?? '', data, time);
    }
    const names = [...numbers.keys()];
    const keys = [hub, trimmed, topics, tombstones, publishKey, ...names.map((name) => streamPrefix + name)];
    const args = [
      newEpoch(),
      batch.at(-1)!.time,
      maxEvents,
      maxAgeMs,
      maxTopics,
      maxTopics * TOMBSTONES_PER_TOPIC,
      ttl,
      channelPrefix,
      names.length,
      ...names,
      ...events,
    ];
    const [epoch, seq] = await runExactly(this.commands, this.timeoutMs, {
      command: async (client) => (await publishScript.run(client, keys, args)) as [string, string],
      settle: async (client) => {
        const found = (await settleScript.run(client, [publishKey], [ttl])) as [string, string] | [];
        return found.length === 2 ? found : undefined;
      },
    });
    return { epoch, seq: Number(seq) };
  }

  async head(): Promise<Cursor> {
    const [epoch, seq] = (await this.commands.run((client) =>
      headScript.run(client, [this.keys.hub], [newEpoch()]),
    )) as [string, number];
    return { epoch, seq };
  }

  async history(topics: readonly string[], after: Cursor, limit: number): Promise<HistoryResult> {
    const { hub, trimmed } = this.keys;
    const reply = (await this.commands.run((client) =>
      historyScript.run(
        client,
        [hub, trimmed],
        [newEpoch(), after.epoch, after.seq, limit + 1, this.now(), this.retention.maxAgeMs, ...topics],
      ),
    )) as [string, number, '' | 'expired' | 'unknown', ...StreamEntry[][]];
    const [epoch, seq, verdict, ...perTopic] = reply;
    if (verdict !== '') return { reset: true, reason: verdict, head: { epoch, seq } };
    const events: StoredEvent[] = [];
    perTopic.forEach((entries, i) => {
      for (const entry of entries) events.push(decodeEntry(epoch, topics[i]!, entry));
    });
    if (perTopic.length > 1) events.sort((a, b) => a.seq - b.seq);
    const more = events.length > limit;
    return { reset: false, events: more ? events.slice(0, limit) : events, more };
  }

  subscribe(topic: string, listener: EventListener): Promise<() => void> {
    return this.live.subscribe(topic, listener);
  }

  /** Closes the pub/sub connection, and the command connection when the broker opened it. */
  async close(): Promise<void> {
    this.watcher.stop();
    this.live.clear();
    await quit(this.subscriber.client);
    if (this.ownsClient) await quit(this.commands.client);
  }
}

/** ioredis settings that make a lost Redis fail commands instead of queueing them. */
const failFast = {
  enableOfflineQueue: false,
  /** A command whose reply was lost is retried by the broker, idempotently (see exact-run.ts), never blindly. */
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  /**
   * Reconnect with exponential back-off and jitter, up to 1 s apart, forever: live delivery
   * resumes within about a second of Redis being reachable again, whatever the outage's length.
   */
  retryStrategy: (attempt: number) => Math.min(1_000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2),
};

async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    if (client.status === 'ready') await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}

/**
 * Creates a {@link RedisBroker} and resolves once Redis answers, like `createNatsBroker()`, so
 * a wrong URL or a missing server fails at start-up: `realtime({ broker: await createRedisBroker() })`.
 * Rejects with `broker-unavailable` when Redis does not answer within `commandTimeoutMs` (the
 * broker's connections are then closed), and with a `TypeError` for a bad option.
 */
export async function createRedisBroker(options: RedisBrokerOptions = {}): Promise<RedisBroker> {
  const broker = new RedisBroker(options);
  try {
    await broker.head();
  } catch (error) {
    await broker.close();
    throw error;
  }
  return broker;
}
