import type { Broker } from '@tidings/core';
import { expect } from 'vitest';
import { until } from '../redis/until.js';
import type { AppNode } from './app-node.js';
import { openSse } from './sse-client.js';

/** A broker server that can crash and come back (a {@link ChildServer} wrapper). */
export interface RestartableServer {
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/** A broker that says whether its connection is up (both the Redis and the NATS broker do). */
export type WatchedBroker = Broker & { readonly available: boolean };

/** What one restart cost live delivery. */
export interface RestartDelay {
  /** Events published in the window after the restart (and delivered). */
  readonly events: number;
  /** From the server accepting connections again to the first event's delivery, ms. */
  readonly firstDeliveryMs: number;
  /** Worst `publish()` call → SSE delivery delay of the window's events, ms. */
  readonly worstDelayMs: number;
}

export interface RestartRun {
  readonly server: RestartableServer;
  /** The node whose SSE stream is measured (its broker: `subscriber`). */
  readonly node: AppNode;
  readonly subscriber: WatchedBroker;
  /** Another broker instance (another node) on the same hub, publishing. */
  readonly publisher: WatchedBroker;
  readonly restarts: number;
  /** Fail when an event is not delivered within this long (the bug this guards took ~40 s). */
  readonly boundMs: number;
  /** How long to publish after each restart, one event every 100 ms. Default 4 s. */
  readonly publishForMs?: number;
  /** How long the server stays down (clients back off meanwhile). Default 1.5 s. */
  readonly downMs?: number;
}

const TOPIC = 'restarts';

/**
 * Crashes and restarts the broker server `restarts` times under one open SSE stream and,
 * after each restart, publishes steadily from another node as soon as it can, measuring how
 * long each event takes to reach the stream. The stream must end up with every published
 * event exactly once, in id order.
 */
export async function measureRestarts(run: RestartRun): Promise<RestartDelay[]> {
  const { server, node, subscriber, publisher } = run;
  const stream = await openSse(node.endpoint(TOPIC));
  const delivered: number[] = [];
  const published: string[] = [];
  /** Resolves when the stream holds `count` events, recording when. */
  const arrival = (count: number) =>
    stream.waitForEvents(count).then(() => {
      delivered[count] ??= Date.now();
    });
  try {
    const first = await publisher.publish({ topic: TOPIC, event: undefined, data: 'before' });
    published.push(first.id);
    await arrival(1);
    const results: RestartDelay[] = [];
    for (let restart = 1; restart <= run.restarts; restart++) {
      await server.kill();
      await until(() => Promise.resolve(publisher.available || subscriber.available), false, 15_000);
      // An outage long enough for reconnect back-off to grow (fault injection, not a wait).
      await new Promise((resolve) => setTimeout(resolve, run.downMs ?? 1_500));
      await server.restart();
      const up = Date.now();
      const window: { count: number; sentAt: number }[] = [];
      while (Date.now() - up < (run.publishForMs ?? 4_000)) {
        const sentAt = Date.now();
        // Refused while the publisher is still reconnecting: nothing was appended then.
        const event = await publisher
          .publish({ topic: TOPIC, event: undefined, data: `r${restart}-${window.length}` })
          .catch(() => undefined);
        if (event) {
          published.push(event.id);
          window.push({ count: published.length, sentAt });
          arrival(published.length).catch(() => {}); // a stream that ended fails the wait below
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(window.length, `restart ${restart}: no publish succeeded`).toBeGreaterThan(0);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`restart ${restart}: events not delivered within ${run.boundMs} ms`)),
          run.boundMs,
        );
      });
      await Promise.race([arrival(window.at(-1)!.count), late]).finally(() => clearTimeout(timer));
      results.push({
        events: window.length,
        firstDeliveryMs: delivered[window[0]!.count]! - up,
        worstDelayMs: Math.max(...window.map((each) => delivered[each.count]! - each.sentAt)),
      });
    }
    // Exactly once, in order: what was published is what arrived.
    expect(stream.events.map((event) => event.id)).toEqual(published);
    return results;
  } finally {
    stream.close();
  }
}
