import {
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, type Status } from '@nats-io/transport-node';
import {
  type Broker,
  type BrokerMonitor,
  type Cursor,
  type EventListener,
  type HistoryResult,
  PublishIds,
  type PublishRequest,
  type StoredEvent,
  TidingsError,
  wellFormed,
} from '@tidings/core';
import { AckPipe } from './ack-pipe.js';
import {
  eventHeaders,
  LINK_HEADER,
  linkOf,
  MSG_ID_HEADER,
  published,
  timeOf,
  toStoredEvent,
} from './codec.js';
import { ConnectionGate } from './connection-gate.js';
import { mayHaveGap } from './continuity.js';
import { LiveFeed } from './live-feed.js';
import { type NatsBrokerOptions, type ResolvedNatsOptions, resolveNatsOptions } from './options.js';
import { readSubject } from './read-topic.js';
import { ensureStream, epochOf, prefixDroppedSeq, streamInfo } from './stream.js';
import { encodeTopic } from './subject.js';
import { TopicLinks } from './topic-links.js';

/** JetStream's answer when the expected last subject sequence is not the actual one. */
const WRONG_LAST_SEQUENCE = 10071;
/** Appends to one topic racing from other nodes; each retry learns the newer link. */
const MAX_APPEND_ATTEMPTS = 20;

/**
 * A {@link Broker} on NATS JetStream. One stream holds the hub: topic `t` is the subject
 * `<prefix>.<encodeTopic(t)>`, the stream sequence is the hub-wide `seq`, retention is
 * `max_msgs_per_subject` + `max_age`, and the epoch derives from the stream's creation
 * time. Live delivery uses one ordered consumer per node, running while it has local
 * subscribers (see {@link LiveFeed}).
 * Create it with {@link createNatsBroker}.
 */
export class NatsBroker implements Broker {
  private readonly links = new TopicLinks();
  private readonly live: LiveFeed;
  private readonly monitors = new Set<BrokerMonitor>();
  /** Connection events; stopped on close, so a shared connection does not keep this broker alive. */
  private readonly statuses: AsyncIterable<Status> & { stop?: () => void };
  private epoch: string;
  private readonly connection = new ConnectionGate();
  private readonly publishIds = new PublishIds();
  private readonly acks: AckPipe;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly ownsConnection: boolean,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: ResolvedNatsOptions,
    epoch: string,
  ) {
    this.epoch = epoch;
    this.acks = new AckPipe(nc);
    this.live = new LiveFeed(
      js,
      options.stream.name,
      `${options.stream.prefix}.>`,
      async () => (await this.head()).seq + 1,
      () => this.available,
    );
    this.statuses = nc.status();
    void this.watchConnection();
  }

  /** Connects (unless given a connection), creates or updates the stream, and resolves when ready. */
  static async create(options: NatsBrokerOptions = {}): Promise<NatsBroker> {
    const resolved = resolveNatsOptions(options);
    const nc =
      options.connection ??
      (await connect({
        servers: options.servers ?? '127.0.0.1:4222',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        name: 'tidings',
      }).catch((error: unknown) => {
        throw unavailable(error);
      }));
    const owns = options.connection === undefined;
    try {
      const jsm = await jetstreamManager(nc, { timeout: resolved.timeoutMs });
      const info = await ensureStream(jsm, resolved.stream);
      const js = jetstream(nc, { timeout: resolved.timeoutMs });
      return new NatsBroker(nc, owns, js, jsm, resolved, epochOf(info));
    } catch (error) {
      if (owns) await nc.close();
      throw unavailable(error);
    }
  }

  /** False while NATS is unreachable (calls then fail fast with `broker-unavailable`) and after `close()`. */
  get available(): boolean {
    return this.connection.isUp && !this.closed && !this.nc.isClosed();
  }

  /** The stream this broker writes to. */
  get streamName(): string {
    return this.options.stream.name;
  }

  /** The subject topic `topic` is stored on. */
  subjectOf(topic: string): string {
    return `${this.options.stream.prefix}.${encodeTopic(topic)}`;
  }

  /**
   * Appends to the topic's subject. Resolves once JetStream acknowledged it; rejects with
   * `broker-unavailable` at once while NATS is known to be away (nothing sent). A publish in
   * flight when the connection fails is resent with the same `Nats-Msg-Id` when it is back
   * (JetStream de-duplicates it); only if NATS is not back within `timeoutMs` does it reject
   * with `publish-outcome-unknown` — the one case where a rejected publish may still be
   * delivered (docs/scaling-out.md, "What a rejected publish means").
   */
  async publish(request: PublishRequest): Promise<StoredEvent> {
    this.assertReachable();
    return this.links.serialize(request.topic, () => this.append(request));
  }

  async head(): Promise<Cursor> {
    const info = await this.info();
    return { epoch: this.epoch, seq: info.state.last_seq };
  }

  async history(topics: readonly string[], after: Cursor, limit: number): Promise<HistoryResult> {
    const info = await this.info();
    const head: Cursor = { epoch: this.epoch, seq: info.state.last_seq };
    if (after.epoch !== this.epoch || after.seq > head.seq) return { reset: true, reason: 'unknown', head };
    // Nothing was appended after the cursor, so nothing after it can be missing either.
    if (after.seq === head.seq) return { reset: false, events: [], more: false };
    const droppedSeq = prefixDroppedSeq(info, Date.now());
    const oldestTime = this.options.now() - this.options.stream.maxAgeMs;
    const pages = await this.guard(() =>
      Promise.all(
        topics.map((topic) =>
          readSubject(
            this.js,
            this.jsm,
            this.streamName,
            this.subjectOf(topic),
            after.seq,
            limit + 1,
            this.options.timeoutMs,
          ),
        ),
      ),
    );
    const events: StoredEvent[] = [];
    for (const [index, messages] of pages.entries()) {
      const topic = topics[index]!;
      const first = messages[0];
      const gap = await mayHaveGap({
        cursor: after.seq,
        first: first && { seq: first.seq, link: linkOf(first), time: timeOf(first) },
        olderRetained: () => this.hasRetainedUpTo(topic, after.seq),
        agedSeq: droppedSeq,
        oldestTime,
      });
      if (gap) return { reset: true, reason: 'expired', head };
      // Topics are read one after another: cut every topic at the same snapshot, the head read
      // first, or a later topic's newer event could be returned while an earlier topic missed
      // one published meanwhile — a hole the live seam would then skip. Newer events arrive live.
      for (const message of messages) {
        if (message.seq <= head.seq) events.push(toStoredEvent(this.epoch, topic, message));
      }
    }
    if (topics.length > 1) events.sort((a, b) => a.seq - b.seq);
    const more = events.length > limit;
    return { reset: false, events: more ? events.slice(0, limit) : events, more };
  }

  /** Reports losing the NATS connection and getting it back, until the returned function is called. */
  watch(monitor: BrokerMonitor): () => void {
    this.monitors.add(monitor);
    return () => this.monitors.delete(monitor);
  }

  /** How many events `topic` retains for replay now (the server's per-subject count). */
  async retained(topic: string): Promise<number> {
    const subject = this.subjectOf(topic);
    const info = await this.guard(() => this.jsm.streams.info(this.streamName, { subjects_filter: subject }));
    return info.state.subjects?.[subject] ?? 0;
  }

  async subscribe(topic: string, listener: EventListener): Promise<() => void> {
    this.assertReachable();
    return this.guard(() =>
      this.live.add(this.subjectOf(topic), (message) => {
        this.links.remember(topic, message.seq);
        listener(toStoredEvent(this.epoch, topic, message));
      }),
    );
  }

  /**
   * Deletes the hub's stream: all history goes, and cursors of every node reset `unknown`
   * (the next use recreates the stream with a new epoch). For tests and decommissioning.
   */
  async deleteStream(): Promise<void> {
    await this.guard(() => this.jsm.streams.delete(this.streamName));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.live.stop();
    this.acks.close();
    this.statuses.stop?.();
    if (this.ownsConnection) await this.nc.close();
  }

  /**
   * One append: expects the topic's last known sequence; a newer one (another node's append)
   * is learnt and retried. A publish whose reply does not come (the connection failed, or no
   * answer in time) may have been stored: it is sent again with the same `Nats-Msg-Id` once
   * connected — JetStream answers a duplicate with the first one's sequence instead of storing
   * it twice — until `timeoutMs` after the call; then the outcome is unknown.
   */
  private async append(request: PublishRequest): Promise<StoredEvent> {
    const { topic, event } = request;
    // Encoded as UTF-8, which has no lone surrogates: store (and return) what is delivered.
    const data = wellFormed(request.data);
    const subject = this.subjectOf(topic);
    const time = this.options.now();
    const headers = eventHeaders(event, time);
    headers.set(MSG_ID_HEADER, this.publishIds.next());
    const deadline = Date.now() + this.options.timeoutMs;
    let link = this.links.get(topic);
    for (let attempt = 1; ; attempt++) {
      try {
        headers.set(LINK_HEADER, String(link));
        const ack = await this.connection.whileUp(this.acks.publish(subject, data, headers, deadline));
        this.links.remember(topic, ack.seq);
        return published(this.epoch, ack.seq, { topic, event, data }, time);
      } catch (error) {
        if (isWrongLastSequence(error) && attempt < MAX_APPEND_ATTEMPTS) {
          link = (await this.guard(() => this.lastSeqOf(subject))) ?? 0;
          continue;
        }
        // The server answered with a refusal: nothing was stored.
        if (error instanceof JetStreamApiError || this.closed) throw unavailable(error);
        if (!(await this.connection.retryBefore(deadline)))
          throw unknownOutcome(this.options.timeoutMs, error);
      }
    }
  }

  private async lastSeqOf(subject: string): Promise<number | undefined> {
    const last = await this.jsm.streams.getMessage(this.streamName, { last_by_subj: subject });
    return last?.seq;
  }

  private async hasRetainedUpTo(topic: string, seq: number): Promise<boolean> {
    const last = await this.guard(() => this.lastSeqOf(this.subjectOf(topic)));
    return last !== undefined && last <= seq;
  }

  /** Stream info, refreshing the epoch (a recreated stream has a new one). */
  private async info() {
    const info = await this.guard(async () => {
      const found = await streamInfo(this.jsm, this.streamName);
      return found ?? (await ensureStream(this.jsm, this.options.stream));
    });
    this.adopt(info);
    return info;
  }

  /**
   * Takes the stream's epoch; a new one means a recreated stream, restarted at sequence 1.
   * Returns whether it was new (live delivery then restarted on the new stream).
   */
  private adopt(info: StreamInfo): boolean {
    const epoch = epochOf(info);
    if (epoch === this.epoch) return false;
    this.epoch = epoch;
    this.live.restart(info.state.last_seq + 1);
    return true;
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    this.assertReachable();
    try {
      return await operation();
    } catch (error) {
      throw unavailable(error);
    }
  }

  private assertReachable(): void {
    if (this.closed) throw new TidingsError('broker-unavailable', 'The NATS broker is closed');
    if (!this.connection.isUp || this.nc.isClosed()) {
      throw new TidingsError('broker-unavailable', 'NATS is unreachable; retry shortly');
    }
  }

  /** Tracks the connection so calls fail fast while NATS is away. */
  private async watchConnection(): Promise<void> {
    for await (const status of this.statuses) {
      if (status.type === 'disconnect') {
        this.connection.down(status.server);
        const error = new TidingsError('broker-unavailable', `Lost the NATS connection to ${status.server}`);
        for (const monitor of this.monitors) monitor.error(error);
      } else if (status.type === 'reconnect') {
        // A memory-stored stream is gone after a server restart, or another node recreated it:
        // (re)create it and learn its epoch before accepting calls (in the same tick). Live
        // delivery then resumes at once, on a new consumer (see LiveFeed) — on the new stream
        // if it was recreated — rather than when the library notices.
        const info = await ensureStream(this.jsm, this.options.stream).catch(() => undefined);
        this.connection.upAgain();
        if (!(info && this.adopt(info))) this.live.resume();
        for (const monitor of this.monitors) monitor.reconnected();
      }
    }
  }
}

/** Creates a {@link NatsBroker}: connects, creates or updates the hub's stream. */
export function createNatsBroker(options: NatsBrokerOptions = {}): Promise<NatsBroker> {
  return NatsBroker.create(options);
}

function isWrongLastSequence(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === WRONG_LAST_SEQUENCE;
}

function unavailable(error: unknown): TidingsError {
  if (error instanceof TidingsError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new TidingsError('broker-unavailable', `NATS request failed: ${reason}`, { cause: error });
}

function unknownOutcome(timeoutMs: number, cause: unknown): TidingsError {
  return new TidingsError(
    'publish-outcome-unknown',
    `NATS did not confirm the publish within ${timeoutMs} ms, and its outcome is unknown: JetStream ` +
      'may have stored it before the connection failed, and then delivers it once NATS is back',
    { cause },
  );
}
