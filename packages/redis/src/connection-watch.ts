import { type BrokerMonitor, TidingsError } from '@tidings/core';
import type { GuardedConnection } from './connection.js';

/**
 * Tells the hub's monitors when Redis goes away and comes back: one `error` when a connection
 * that was up is lost, one `reconnected` when every connection is ready again — not one per
 * failed reconnect attempt. Background failures (e.g. a catch-up after a reconnect) are
 * reported as errors too.
 */
export class ConnectionWatch {
  private readonly monitors = new Set<BrokerMonitor>();
  private down = false;
  private stopped = false;

  constructor(private readonly connections: readonly GuardedConnection[]) {
    for (const { client } of connections) {
      client.on('close', () => this.update());
      client.on('ready', () => this.update());
    }
  }

  /** Whether every connection is ready now. */
  get up(): boolean {
    return this.connections.every((connection) => connection.ready);
  }

  /** Whether a connection that was up has been lost and not every connection is back yet. */
  get outage(): boolean {
    return this.down;
  }

  watch(monitor: BrokerMonitor): () => void {
    this.monitors.add(monitor);
    return () => this.monitors.delete(monitor);
  }

  /** Before closing the connections on purpose: that is not an outage. */
  stop(): void {
    this.stopped = true;
    this.monitors.clear();
  }

  /** Reports a failure that did not surface to a caller. */
  error(error: unknown): void {
    for (const monitor of this.monitors) monitor.error(error);
  }

  private update(): void {
    const up = this.up;
    if (this.stopped) return;
    if (!up && !this.down && this.connections.every((connection) => connection.everReady)) {
      this.down = true;
      this.error(new TidingsError('broker-unavailable', 'Lost the connection to Redis; reconnecting'));
    } else if (up && this.down) {
      this.down = false;
      for (const monitor of this.monitors) monitor.reconnected();
    }
  }
}
