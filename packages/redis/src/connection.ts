import { TidingsError } from '@tidings/core';
import type { Redis } from 'ioredis';

/**
 * Runs commands on one ioredis connection so that they fail fast instead of queueing while
 * Redis is away: once the connection has been ready, a command issued while it is not ready
 * rejects at once, a command in flight when the connection closes rejects then (its reply
 * cannot come any more), and any command rejects after `timeoutMs`. Every failure is a
 * `TidingsError` with code `broker-unavailable` (HTTP 503).
 */
export class GuardedConnection {
  /** Whether the connection was ready at least once. */
  everReady: boolean;
  /** The first connection attempt, shared by the commands waiting for it. */
  private connecting: Promise<void> | undefined;
  /** Rejecters of the commands in flight, failed the moment the connection closes. */
  private readonly inFlight = new Set<(error: Error) => void>();
  /** Resolves when the connection is ready again; shared by every waiter. */
  private back: Promise<void> | undefined;

  constructor(
    readonly client: Redis,
    private readonly timeoutMs: number,
  ) {
    this.everReady = client.status === 'ready';
    client.on('ready', () => {
      this.everReady = true;
    });
    client.on('close', () => {
      const failing = [...this.inFlight];
      this.inFlight.clear();
      const error = unavailable(new Error('connection lost'));
      for (const fail of failing) fail(error);
    });
  }

  /** Whether commands can be sent right now. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Runs `command`, rejecting with `broker-unavailable` if it fails, takes longer than
   * `timeoutMs` or the connection closes first. Holds on to nothing once the command settles
   * (racing each command against one long-lived "lost" promise kept a reaction, and the
   * command's result, per call until the next disconnect).
   */
  async run<T>(command: (client: Redis) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    if (!this.ready) await this.firstConnect();
    try {
      return await new Promise<T>((resolve, reject) => {
        const settle = () => {
          clearTimeout(timer);
          this.inFlight.delete(reject);
        };
        const timer = setTimeout(() => {
          settle();
          reject(unavailable(new Error(`no answer within ${timeoutMs} ms`)));
        }, timeoutMs);
        this.inFlight.add(reject);
        new Promise<T>((run) => run(command(this.client))).then(
          (value) => {
            settle();
            resolve(value);
          },
          (error: unknown) => {
            settle();
            reject(error);
          },
        );
      });
    } catch (error) {
      throw error instanceof TidingsError ? error : unavailable(error);
    }
  }

  /** Resolves true once the connection is ready, or false after `ms`. */
  async whenReady(ms: number): Promise<boolean> {
    if (this.ready) return true;
    this.back ??= new Promise<void>((resolve) => {
      this.client.once('ready', () => {
        this.back = undefined;
        resolve();
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, ms));
    });
    try {
      return await Promise.race([this.back.then(() => true), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for the very first connection (bounded); afterwards a lost connection fails at once. */
  private firstConnect(): Promise<void> {
    const { client } = this;
    if (this.everReady || client.status === 'end' || client.status === 'close') {
      return Promise.reject(unavailable(new Error(`connection is ${client.status}`)));
    }
    this.connecting ??= new Promise<void>((resolve, reject) => {
      if (client.status === 'wait') client.connect().catch(() => {});
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        this.connecting = undefined;
        reject(unavailable(new Error(`not connected within ${this.timeoutMs} ms`)));
      }, this.timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once('ready', onReady);
    });
    return this.connecting;
  }
}

/** The error every Redis failure surfaces as. */
export function unavailable(cause: unknown): TidingsError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TidingsError('broker-unavailable', `Redis is unavailable: ${reason}`, { cause });
}
