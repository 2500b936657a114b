import { TidingsError } from '@tidings/core';
import type { Redis } from 'ioredis';

/**
 * Runs commands on one ioredis connection so that they fail fast instead of queueing while
 * Redis is away: once the connection has been ready, a command issued while it is not ready
 * rejects at once, and any command rejects after `timeoutMs`. Every failure is a
 * `TidingsError` with code `broker-unavailable` (HTTP 503).
 */
export class GuardedConnection {
  /** Whether the connection was ready at least once. */
  everReady: boolean;
  /** The first connection attempt, shared by the commands waiting for it. */
  private connecting: Promise<void> | undefined;

  constructor(
    readonly client: Redis,
    private readonly timeoutMs: number,
  ) {
    this.everReady = client.status === 'ready';
    client.on('ready', () => {
      this.everReady = true;
    });
  }

  /** Whether commands can be sent right now. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  async run<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    if (!this.ready) await this.firstConnect();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(unavailable(new Error(`no answer within ${this.timeoutMs} ms`))),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([command(this.client), timeout]);
    } catch (error) {
      throw error instanceof TidingsError ? error : unavailable(error);
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
