import type { StoredEvent } from '@tidings/core';
import { describe, expect, it } from 'vitest';
import { natsAvailable, natsHub } from '../nats/nats-target.js';

const ok = await natsAvailable();

/**
 * @tidings/nats first used one ordered consumer per topic: events of different topics then
 * reached a node in arbitrary order, and a stream subscribed to several topics dropped the
 * "older" ones as already seen (its one cursor is a position in the hub-wide order). Live
 * delivery must follow the id order across topics.
 */
describe.skipIf(!ok)('regression: nats live delivery keeps the id order across topics', () => {
  it('delivers the events of several topics to one node in id order', async () => {
    const hub = await natsHub();
    try {
      const publisher = await hub.peer();
      const seen: StoredEvent[] = [];
      let done: () => void = () => {};
      const all = new Promise<void>((resolve) => {
        done = resolve;
      });
      const topics = ['a', 'b', 'c', 'd'];
      const total = 200;
      const listener = (event: StoredEvent) => {
        seen.push(event);
        if (seen.length === total) done();
      };
      for (const topic of topics) await hub.broker.subscribe(topic, listener);
      await Promise.all(
        topics.map(async (topic) => {
          for (let i = 0; i < total / topics.length; i++)
            await publisher.publish({ topic, event: undefined, data: `${i}` });
        }),
      );
      await all;
      const seqs = seen.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    } finally {
      await hub.cleanup();
    }
  });
});
