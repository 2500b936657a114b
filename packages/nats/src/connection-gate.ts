import { TidingsError } from '@tidings/core';

/** Pause before resending a publish that failed while connected (JetStream not ready yet). */
const RETRY_PAUSE_MS = 100;

/**
 * Whether the NATS connection is up, as the broker learns it from the connection's status
 * events: work in flight fails the moment the connection drops (its reply cannot come), and
 * a publish waiting to be resent learns when the connection is back.
 */
export class ConnectionGate {
  private up = true;
  /** Why calls fail while the connection is down. */
  private lost: TidingsError | undefined;
  /** Rejecters of the work in flight, failed the moment the connection drops. */
  private readonly inFlight = new Set<(error: Error) => void>();
  private back: { promise: Promise<void>; resolve: () => void } | undefined;

  get isUp(): boolean {
    return this.up;
  }

  down(server: string): void {
    this.up = false;
    this.lost = new TidingsError('broker-unavailable', `Lost the NATS connection to ${server}`);
    const failing = [...this.inFlight];
    this.inFlight.clear();
    for (const fail of failing) fail(this.lost);
  }

  upAgain(): void {
    this.up = true;
    this.lost = undefined;
    this.back?.resolve();
    this.back = undefined;
  }

  /**
   * `work`, or a rejection as soon as the connection drops. Holds on to nothing once `work`
   * settles: racing every call against one long-lived "lost" promise left a reaction on it per
   * call, hundreds of bytes per publish kept until the next disconnect.
   */
  whileUp<T>(work: Promise<T>): Promise<T> {
    if (this.lost) {
      work.catch(() => {});
      return Promise.reject(this.lost);
    }
    return new Promise<T>((resolve, reject) => {
      this.inFlight.add(reject);
      work.then(
        (value) => {
          this.inFlight.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.inFlight.delete(reject);
          reject(error);
        },
      );
    });
  }

  /**
   * Waits until a failed publish may be sent again: the connection is up (after a short pause
   * if it never went down). Resolves false when `deadline` (epoch ms) comes first.
   */
  async retryBefore(deadline: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const wait = this.up ? RETRY_PAUSE_MS : deadline - Date.now();
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, Math.min(wait, deadline - Date.now())));
    });
    if (!this.up && !this.back) {
      let resolve: () => void = () => {};
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      this.back = { promise, resolve };
    }
    try {
      await Promise.race([late, ...(this.up ? [] : [this.back!.promise])]);
    } finally {
      clearTimeout(timer);
    }
    return this.up && Date.now() < deadline;
  }
}
