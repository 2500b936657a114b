import type { Cursor, EventListener, HistoryResult, StoredEvent } from '@tidings/core';
import type { GuardedConnection } from './connection.js';
import { decodeMessage } from './message.js';

/** Reads history after a cursor (the broker's `history`). */
export type HistoryReader = (
  topics: readonly string[],
  after: Cursor,
  limit: number,
) => Promise<HistoryResult>;

/** One topic this node listens to: one Redis channel, however many local listeners. */
class LiveTopic {
  readonly listeners = new Set<EventListener>();
  /** The last event handed to the listeners; older or equal ones are duplicates. */
  position: Cursor = { epoch: '', seq: 0 };
  ready: Promise<void> = Promise.resolve();

  deliver(event: StoredEvent): void {
    const epoch = event.id.slice(0, event.id.lastIndexOf('-'));
    // A new epoch is a wiped Redis: its sequence starts again.
    if (epoch !== this.position.epoch) this.position = { epoch, seq: 0 };
    if (event.seq <= this.position.seq) return;
    this.position = { epoch, seq: event.seq };
    for (const listener of this.listeners) listener(event);
  }
}

/** Topics per history read of a catch-up, and channels per SUBSCRIBE of a restore. */
const TOPICS_PER_READ = 100;
const CHANNELS_PER_SUBSCRIBE = 1000;
const PAGE = 1000;
const RESTORE_ATTEMPTS = 40;
const RESTORE_RETRY_MS = 250;

/**
 * The live side of the Redis broker, on its own subscriber connection: one `SUBSCRIBE` per
 * topic with local listeners, dropped with the last listener. ioredis reconnects with back-off;
 * after a reconnect every channel is subscribed again and the events published while the
 * connection was down are read from the streams and delivered — across all topics in sequence
 * order, before the live messages that arrived meanwhile — so delivery continues without a gap.
 */
export class LiveTopics {
  private readonly topics = new Map<string, LiveTopic>();
  /** Live messages held while a catch-up reads history; `null` when live. */
  private held: StoredEvent[] | null = null;
  private restoring: Promise<void> | undefined;
  private restoreAgain = false;
  private wasReady: boolean;

  constructor(
    private readonly connection: GuardedConnection,
    private readonly channelPrefix: string,
    private readonly readHistory: HistoryReader,
    private readonly head: () => Promise<Cursor>,
    private readonly onError: (error: unknown) => void,
  ) {
    const { client } = connection;
    this.wasReady = client.status === 'ready';
    client.on('message', (channel: string, message: string) => this.receive(channel, message));
    client.on('ready', () => {
      if (this.wasReady) this.restore();
      this.wasReady = true;
    });
  }

  /** Topics with a Redis subscription on this node. */
  get size(): number {
    return this.topics.size;
  }

  async subscribe(topic: string, listener: EventListener): Promise<() => void> {
    let live = this.topics.get(topic);
    if (!live) {
      const created = new LiveTopic();
      live = created;
      this.topics.set(topic, created);
      created.ready = this.open(topic, created);
    }
    live.listeners.add(listener);
    const unsubscribe = () => this.remove(topic, live, listener);
    try {
      await live.ready;
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  clear(): void {
    this.topics.clear();
  }

  private async open(topic: string, live: LiveTopic): Promise<void> {
    // Read first: every event delivered live is then newer, and a catch-up after a reconnect
    // starts from here.
    live.position = await this.head();
    await this.connection.run((client) => client.subscribe(this.channelPrefix + topic));
  }

  private remove(topic: string, live: LiveTopic, listener: EventListener): void {
    if (!live.listeners.delete(listener) || live.listeners.size > 0) return;
    if (this.topics.get(topic) !== live) return;
    this.topics.delete(topic);
    if (this.connection.ready) {
      this.connection.client.unsubscribe(this.channelPrefix + topic).catch(() => {});
    }
  }

  private receive(channel: string, message: string): void {
    if (!channel.startsWith(this.channelPrefix)) return;
    const topic = channel.slice(this.channelPrefix.length);
    const event = this.topics.has(topic) ? decodeMessage(topic, message) : undefined;
    if (!event) return;
    if (this.held) this.held.push(event);
    else this.topics.get(topic)?.deliver(event);
  }

  /** Restores after a reconnect, one restore at a time (a reconnect during one runs another). */
  private restore(): void {
    if (this.restoring) {
      this.restoreAgain = true;
      return;
    }
    this.held = [];
    this.restoring = this.restoreWithRetries().finally(() => {
      this.restoring = undefined;
      this.release();
      if (this.restoreAgain) {
        this.restoreAgain = false;
        if (this.connection.ready) this.restore();
      }
    });
  }

  /**
   * Keeps holding live messages until the catch-up succeeds: the command connection may come
   * back a little after the subscriber connection. Gives up (with a warning) after ~10 s.
   */
  private async restoreWithRetries(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.resubscribeAndCatchUp();
        return;
      } catch (error) {
        if (attempt >= RESTORE_ATTEMPTS || !this.connection.ready) {
          this.onError(
            new Error('Tidings: live events may have been missed after a reconnect', { cause: error }),
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RESTORE_RETRY_MS).unref());
      }
    }
  }

  private async resubscribeAndCatchUp(): Promise<void> {
    const entries = [...this.topics];
    for (let i = 0; i < entries.length; i += CHANNELS_PER_SUBSCRIBE) {
      const channels = entries
        .slice(i, i + CHANNELS_PER_SUBSCRIBE)
        .map(([topic]) => this.channelPrefix + topic);
      await this.connection.run((client) => client.subscribe(...channels));
    }
    // Subscribed again: whatever was published since each topic's position is in its stream.
    const missed: StoredEvent[] = [];
    for (let i = 0; i < entries.length; i += TOPICS_PER_READ) {
      missed.push(...(await this.readMissed(entries.slice(i, i + TOPICS_PER_READ))));
    }
    missed.sort((a, b) => a.seq - b.seq);
    for (const event of missed) this.topics.get(event.topic)?.deliver(event);
  }

  private async readMissed(entries: [string, LiveTopic][]): Promise<StoredEvent[]> {
    const topics = entries.map(([topic]) => topic);
    const epoch = entries[0]![1].position.epoch;
    let position: Cursor = { epoch, seq: Math.min(...entries.map(([, live]) => live.position.seq)) };
    const events: StoredEvent[] = [];
    for (;;) {
      const page = await this.readHistory(topics, position, PAGE);
      if (page.reset) {
        // What was published since is gone (a wiped or trimmed Redis): carry on live from here.
        this.onError(
          new Error(`Tidings: live events may have been missed on ${topics.length} topic(s): ${page.reason}`),
        );
        for (const [, live] of entries) live.position = page.head;
        return events;
      }
      events.push(...page.events);
      const last = page.events.at(-1);
      if (!page.more || !last) return events;
      position = { epoch, seq: last.seq };
    }
  }

  /** Goes live again: hands over the messages that arrived during the catch-up, in order. */
  private release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const event of held) this.topics.get(event.topic)?.deliver(event);
  }
}
