/**
 * Per-topic state of appends on this node: the last sequence known for each topic (the
 * back-link the next append expects) and a queue so that one node's appends to a topic run
 * one after another — concurrent ones would all expect the same link and all but one
 * would be refused. Appends to different topics run in parallel.
 */
export class TopicLinks {
  private readonly last = new Map<string, number>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly maxTopics = 10_000) {}

  /** The last sequence known for `topic` (0 if unknown: the first append learns it). */
  get(topic: string): number {
    return this.last.get(topic) ?? 0;
  }

  /** Records a sequence seen on `topic` (by an append or live delivery). */
  remember(topic: string, seq: number): void {
    const known = this.last.get(topic);
    if (known !== undefined && known >= seq) return;
    this.last.delete(topic);
    this.last.set(topic, seq);
    if (this.last.size > this.maxTopics) this.last.delete(this.last.keys().next().value as string);
  }

  /** Runs `append` after every earlier append of `topic` on this node settled. */
  serialize<T>(topic: string, append: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(topic) ?? Promise.resolve();
    const next = previous.then(append, append);
    const settled = next.then(
      () => {},
      () => {},
    );
    this.queues.set(topic, settled);
    settled.then(() => {
      if (this.queues.get(topic) === settled) this.queues.delete(topic);
    });
    return next;
  }
}
