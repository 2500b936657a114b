import { type ConsumerMessages, DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';

/** Receives the live messages of one subject. */
export type SubjectListener = (message: JsMsg) => void;

/** Waits between attempts to recreate the consumer while NATS is reachable but not ready (JetStream recovering). */
const RETRY_MS = [100, 250, 500, 1000];

/** One consumer's lifetime: from its creation until it is stopped or replaced. */
interface Run {
  /** Settles once the consumer runs (or failed to start). */
  started: Promise<void>;
  stopped: boolean;
  /** Ends the consumer and deletes it on the server (set once it runs). */
  close?: () => void;
}

/**
 * Live delivery for one node: ONE ordered consumer on every subject of the hub
 * (`<prefix>.>`), running while the node has at least one listener, dispatched by subject.
 *
 * One consumer rather than one per topic because a subscriber of several topics must see
 * their events in id order (its single `Last-Event-ID` is a position in the hub-wide
 * order); separate consumers would interleave arbitrarily.
 *
 * Recovery is ours, not the client library's. The `@nats-io/jetstream` ordered consumer
 * recreates itself when its server-side consumer is lost (a server restart loses it: it is
 * memory-stored), but keeps the count of messages its lost pull request still "owed": its
 * first pull on the new consumer asks for `max_messages - owed` = 0 messages, the server
 * sends one, and the client waits for the rest of a request that no longer exists until
 * two idle heartbeats are missed — 30 to 45 s without live events after every restart.
 * So the feed remembers the last sequence it delivered and, whenever the connection comes
 * back (`resume`) or the library's consumer ends or recreates itself, replaces the whole
 * consumer with a new one starting right after that sequence: nothing lost, nothing
 * repeated, and delivery resumes one consumer creation after NATS is back.
 */
export class LiveFeed {
  private readonly listeners = new Map<string, Set<SubjectListener>>();
  private size = 0;
  /** The current consumer, while there are listeners. */
  private run: Run | undefined;
  /** The next sequence to deliver; `undefined` until a consumer first starts. */
  private next: number | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly subjects: string,
    /** The first sequence a consumer started now must deliver (the stream's last + 1). */
    private readonly startSeq: () => Promise<number>,
    /** Whether requests can reach NATS now (no retries while it is away: `resume` follows). */
    private readonly reachable: () => boolean,
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
    this.run ??= this.begin();
    const run = this.run;
    try {
      await run.started;
    } catch (error) {
      if (this.run === run) this.stop();
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
    this.replace(startSeq);
  }

  /** The connection is back: replaces the consumer, resuming right after the last delivered event. */
  resume(): void {
    if (this.size === 0 || this.next === undefined) return;
    this.replace(this.next);
  }

  /** Stops the consumer (until the next `add`). */
  stop(): void {
    const run = this.run;
    this.run = undefined;
    this.next = undefined;
    if (run) end(run);
  }

  private replace(from: number): void {
    const previous = this.run;
    if (previous) end(previous);
    this.next = from;
    const run = this.begin(from);
    this.run = run;
    // A failed replacement retries on its own; nobody awaits it.
    run.started.catch(() => {});
  }

  private begin(from?: number): Run {
    const run: Run = { started: Promise.resolve(), stopped: false };
    run.started = this.open(run, from);
    return run;
  }

  /** Creates the consumer and consumes; a failure after the first start schedules a retry. */
  private async open(run: Run, from: number | undefined): Promise<void> {
    try {
      const start = from ?? (await this.startSeq());
      this.next ??= start;
      await this.consume(run, start);
    } catch (error) {
      // The first start reports to `add`; a replacement keeps trying while NATS is reachable.
      if (from === undefined) throw error;
      this.retry(run, 0);
    }
  }

  private async consume(run: Run, from: number): Promise<void> {
    const consumer = await this.js.consumers.get(this.stream, {
      filter_subjects: this.subjects,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    const messages: ConsumerMessages = await consumer.consume({
      // The library must not recover a lost consumer by itself (see the class comment): it
      // ends instead, and `replaced` starts a fresh one.
      abort_on_missing_resource: true,
      callback: (message) => this.deliver(run, message),
    });
    run.close = () => {
      messages.stop();
      consumer.delete().catch(() => {});
    };
    if (run.stopped) {
      run.close();
      return;
    }
    messages.closed().then(
      () => this.replaced(run),
      () => this.replaced(run),
    );
    void (async () => {
      for await (const status of messages.status()) {
        if (status.type === 'ordered_consumer_recreated') this.replaced(run);
      }
    })();
  }

  private deliver(run: Run, message: JsMsg): void {
    if (this.run !== run || this.next === undefined || message.seq < this.next) return;
    this.next = message.seq + 1;
    const set = this.listeners.get(message.subject);
    if (set) for (const listener of set) listener(message);
  }

  /** The library's consumer ended or recreated itself: replace it with ours, unless it is already stopped. */
  private replaced(run: Run): void {
    if (this.run !== run || run.stopped || this.next === undefined) return;
    this.replace(this.next);
  }

  private retry(run: Run, attempt: number): void {
    if (this.run !== run || run.stopped || !this.reachable()) return;
    const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
    setTimeout(() => {
      if (this.run !== run || run.stopped || this.next === undefined) return;
      this.consume(run, this.next).catch(() => this.retry(run, attempt + 1));
    }, delay).unref();
  }
}

function end(run: Run): void {
  run.stopped = true;
  run.close?.();
}
