import { type ConsumerMessages, DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';

/** Receives the live messages of one subject. */
export type SubjectListener = (message: JsMsg) => void;

/**
 * Live delivery for one node: ONE ordered consumer on every subject of the hub
 * (`<prefix>.>`), running while the node has at least one listener, dispatched by subject.
 *
 * One consumer rather than one per topic because a subscriber of several topics must see
 * their events in id order (its single `Last-Event-ID` is a position in the hub-wide
 * order); separate consumers would interleave arbitrarily. The client recreates the consumer
 * after a reconnect or missed heartbeats from the last sequence it delivered, so an outage
 * neither loses nor repeats a message.
 */
export class LiveFeed {
  private readonly listeners = new Map<string, Set<SubjectListener>>();
  private size = 0;
  /** The running consumer (its stop function), while there are listeners. */
  private running: Promise<() => void> | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly subjects: string,
    /** The first sequence a consumer started now must deliver (the stream's last + 1). */
    private readonly startSeq: () => Promise<number>,
  ) {}

  /** Adds a listener; resolves once the consumer runs, to a function that removes it. */
  async add(subject: string, listener: SubjectListener): Promise<() => void> {
    const set = this.listeners.get(subject) ?? new Set<SubjectListener>();
    this.listeners.set(subject, set);
    set.add(listener);
    this.size++;
    const remove = () => {
      if (!set.delete(listener)) return;
      this.size--;
      if (set.size === 0 && this.listeners.get(subject) === set) this.listeners.delete(subject);
      if (this.size === 0) this.stop();
    };
    if (!this.running) this.running = this.start();
    const running = this.running;
    try {
      await running;
    } catch (error) {
      if (this.running === running) this.running = undefined;
      remove();
      throw error;
    }
    return remove;
  }

  /**
   * Starts over at `startSeq`, keeping the listeners: for a recreated stream, whose sequence
   * restarted below the consumer's position.
   */
  restart(startSeq: number): void {
    if (this.size === 0) return;
    this.stop();
    const running = this.start(startSeq);
    this.running = running;
    running.catch(() => {
      if (this.running === running) this.running = undefined;
    });
  }

  /** Stops the consumer (until the next `add`). */
  stop(): void {
    const running = this.running;
    this.running = undefined;
    running?.then(
      (stop) => stop(),
      () => {},
    );
  }

  private async start(startSeq?: number): Promise<() => void> {
    const consumer = await this.js.consumers.get(this.stream, {
      filter_subjects: this.subjects,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq ?? (await this.startSeq()),
    });
    const messages: ConsumerMessages = await consumer.consume({
      callback: (message) => {
        const set = this.listeners.get(message.subject);
        if (set) for (const listener of set) listener(message);
      },
    });
    return () => {
      messages.stop();
      consumer.delete().catch(() => {});
    };
  }
}
