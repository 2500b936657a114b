import { randomBytes } from 'node:crypto';
import type { Transport } from './stats.js';

/** The response header that carries a connection's id, on SSE and poll responses. */
export const CONNECTION_ID_HEADER = 'tidings-connection-id';

/**
 * One served subscription, from the moment it is accepted until it ends: what the hooks,
 * the logger and the debug view report about it. Created by {@link Hub.track}.
 */
export interface Connection {
  /**
   * Unique across nodes and restarts (`<node>-<n>`); sent as the `Tidings-Connection-Id`
   * response header and carried by every hook call and log line about this connection.
   */
  readonly id: string;
  readonly transport: Transport;
  readonly topics: readonly string[];
  /** When it was accepted, ms since the Unix epoch (the hub's clock). */
  readonly openedAt: number;
  /** Events written to it so far: replayed and live. */
  delivered: number;
  /** Id of the newest event written to it, if any. */
  lastEventId: string | undefined;
}

/** Issues connection ids: a random per-process prefix and a counter, so ids never repeat across nodes. */
export class ConnectionIds {
  private readonly prefix = randomBytes(4).toString('hex');
  private next = 0;

  issue(): string {
    return `${this.prefix}-${(++this.next).toString(36)}`;
  }
}
