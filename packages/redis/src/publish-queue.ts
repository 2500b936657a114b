import type { Cursor } from '@tidings/core';

/** One event to append, as the publish script takes it. */
export interface QueuedPublish {
  readonly topic: string;
  readonly event: string | undefined;
  readonly data: string;
  readonly time: number;
}

/** Appends a batch in order, with consecutive seqs; resolves with the epoch and the first seq. */
export type SendBatch = (batch: readonly QueuedPublish[]) => Promise<Cursor>;

interface Waiting {
  readonly publish: QueuedPublish;
  readonly resolve: (position: Cursor) => void;
  readonly reject: (error: unknown) => void;
}

/** Events per batch, and the data bytes after which a batch takes no more. */
const MAX_EVENTS = 256;
const MAX_DATA = 1 << 20;
const IN_FLIGHT = 1;

/**
 * Batches publishes: one batch at a time is in flight; the publishes made meanwhile wait and
 * go together, in call order, as the next batch — one script call that appends them with
 * consecutive seqs. A publish made while nothing is in flight goes alone (after the current
 * tick, with whatever else that tick published), so batching adds no wait when idle and grows
 * with the load. A batch fails or succeeds as a whole, except when `isolates` says one of its
 * events was refused before anything was written: then each is sent alone.
 */
export class PublishQueue {
  private waiting: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;

  /**
   * @param isolates - whether a batch's rejection came from one of its events before anything
   *   was written (a wrong-type key): its events are then sent again one by one, so only the
   *   publish at fault fails.
   */
  constructor(
    private readonly send: SendBatch,
    private readonly isolates: (error: unknown) => boolean = () => false,
  ) {}

  /** Resolves with the event's epoch and seq once its batch is appended. */
  add(publish: QueuedPublish): Promise<Cursor> {
    return new Promise<Cursor>((resolve, reject) => {
      this.waiting.push({ publish, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= IN_FLIGHT || this.waiting.length === 0) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight >= IN_FLIGHT || this.waiting.length === 0) return;
    const batch = this.take();
    this.inFlight++;
    this.send(batch.map(({ publish }) => publish))
      .then(
        ({ epoch, seq }) => {
          for (const [i, { resolve }] of batch.entries()) resolve({ epoch, seq: seq + i });
        },
        (error: unknown) => {
          if (batch.length > 1 && this.isolates(error)) return this.sendAlone(batch);
          for (const { reject } of batch) reject(error);
        },
      )
      .finally(() => {
        this.inFlight--;
        this.schedule();
      });
  }

  /** Sends each publish of a refused batch alone, in order; each gets its own outcome. */
  private async sendAlone(batch: readonly Waiting[]): Promise<void> {
    for (const { publish, resolve, reject } of batch) {
      try {
        resolve(await this.send([publish]));
      } catch (error) {
        reject(error);
      }
    }
  }

  /** The oldest waiting publishes, up to the batch bounds (at least one). */
  private take(): Waiting[] {
    let bytes = 0;
    let count = 0;
    while (count < this.waiting.length && count < MAX_EVENTS && (count === 0 || bytes < MAX_DATA)) {
      bytes += this.waiting[count]!.publish.data.length;
      count++;
    }
    return this.waiting.splice(0, count);
  }
}
