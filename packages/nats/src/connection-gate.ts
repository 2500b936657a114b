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
  private lost = lostSignal();
  private back: { promise: Promise<void>; resolve: () => void } | undefined;

  get isUp(): boolean {
    return this.up;
  }

  down(server: string): void {
    this.up = false;
    this.lost.reject(new TidingsError('broker-unavailable', `Lost the NATS connection to ${server}`));
  }

  upAgain(): void {
    this.up = true;
    this.lost = lostSignal();
    this.back?.resolve();
    this.back = undefined;
  }

  /** `work`, or a rejection as soon as the connection drops. */
  whileUp<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.lost.promise]);
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

/** A promise rejected when the connection drops, harmless when nobody waits on it. */
function lostSignal(): { promise: Promise<never>; reject: (error: Error) => void } {
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<never>((_, fail) => {
    reject = fail;
  });
  promise.catch(() => {});
  return { promise, reject };
}
