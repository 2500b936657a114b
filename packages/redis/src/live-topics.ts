import type { Cursor, EventListener, HistoryResult, StoredEvent } from '@tidings/core';
import type { GuardedConnection } from './connection.js';
import { decodeMessage } from './message.js';

/** Reads a topic's history after a cursor (the broker's `history`). */
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
  /** Live messages held while a catch-up after a reconnect reads history; `null` when live. */
  held: StoredEvent[] | null = null;
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

const CATCH_UP_PAGE = 1000;

/**
 * The live side of the Redis broker, on its own subscriber connection: one `SUBSCRIBE` per
 * topic with local listeners, dropped with the last listener. ioredis reconnects with back-off;
 * after a reconnect every channel is subscribed again and the events published while the
 * connection was down are read from the streams, so live delivery continues without a gap.
 */
export class LiveTopics {
  private readonly topics = new Map<string, LiveTopic>();
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
      if (this.wasReady) this.restore().catch(onError);
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
    const live = this.topics.get(topic);
    const event = live && decodeMessage(topic, message);
    if (!live || !event) return;
    if (live.held) live.held.push(event);
    else live.deliver(event);
  }

  /** After a reconnect: subscribe every channel again, then deliver what was missed. */
  private async restore(): Promise<void> {
    const entries = [...this.topics];
    if (entries.length === 0) return;
    for (const [, live] of entries) live.held ??= [];
    try {
      const channels = entries.map(([topic]) => this.channelPrefix + topic);
      await this.connection.run((client) => client.subscribe(...channels));
      await Promise.all(entries.map(([topic, live]) => this.catchUp(topic, live)));
    } finally {
      for (const [, live] of entries) this.release(live);
    }
  }

  private async catchUp(topic: string, live: LiveTopic): Promise<void> {
    for (;;) {
      const page = await this.readHistory([topic], live.position, CATCH_UP_PAGE);
      if (page.reset) {
        // The history since our position is gone (a wiped or trimmed Redis): carry on live.
        this.onError(new Error(`Tidings: live events of "${topic}" may have been missed (${page.reason})`));
        live.position = page.head;
        return;
      }
      for (const event of page.events) live.deliver(event);
      if (!page.more) return;
    }
  }

  private release(live: LiveTopic): void {
    const held = live.held ?? [];
    live.held = null;
    for (const event of held) live.deliver(event);
  }
}
