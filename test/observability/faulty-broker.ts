import {
  type Broker,
  type BrokerMonitor,
  type Cursor,
  type EventListener,
  type HistoryResult,
  MemoryBroker,
  type PublishRequest,
  type StoredEvent,
  TidingsError,
} from '@tidings/core';

/**
 * Fault injection: a real in-memory broker that can be switched "down", failing every call
 * the way a remote broker fails fast (`broker-unavailable`), and that reports the outage and
 * the recovery to the hub's monitor like a reconnecting client would.
 */
export class FaultyBroker implements Broker {
  private readonly inner = new MemoryBroker();
  private monitor: BrokerMonitor | undefined;
  private down = false;

  /** Takes the broker away: calls fail until {@link FaultyBroker.recover}. */
  fail(): void {
    this.down = true;
    this.monitor?.error(new Error('connection lost (injected)'));
  }

  recover(): void {
    this.down = false;
    this.monitor?.reconnected();
  }

  watch(monitor: BrokerMonitor): () => void {
    this.monitor = monitor;
    return () => {
      this.monitor = undefined;
    };
  }

  publish(request: PublishRequest): Promise<StoredEvent> {
    return this.guard(() => this.inner.publish(request));
  }

  head(): Promise<Cursor> {
    return this.guard(() => this.inner.head());
  }

  history(topics: readonly string[], after: Cursor, limit: number): Promise<HistoryResult> {
    return this.guard(() => this.inner.history(topics, after, limit));
  }

  subscribe(topic: string, listener: EventListener): Promise<() => void> {
    return this.guard(() => this.inner.subscribe(topic, listener));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    if (this.down) throw new TidingsError('broker-unavailable', 'The broker is unreachable (injected)');
    return call();
  }
}
