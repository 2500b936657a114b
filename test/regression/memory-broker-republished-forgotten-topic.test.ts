import { MemoryBroker } from '@tidings/core';
import { describe, expect, it } from 'vitest';

/**
 * Bug: a topic forgotten past the tombstone LRU (its last seq folded into the hub-wide
 * watermark) and then published again got a fresh buffer with no trim mark, so a resume from
 * before its forgotten events returned the new ones without a reset — a silent gap.
 */
describe('regression: memory broker, a forgotten topic published again', () => {
  it('resets a resume from before its forgotten events', async () => {
    const broker = new MemoryBroker({ maxTopics: 1 });
    const start = await broker.head();
    await broker.publish({ topic: 'a', event: undefined, data: 'lost' });
    await broker.publish({ topic: 'b', event: undefined, data: 'b' }); // evicts a (tombstone)
    await broker.publish({ topic: 'c', event: undefined, data: 'c' }); // evicts b; a's tombstone folds
    await broker.publish({ topic: 'a', event: undefined, data: 'again' });
    expect(await broker.history(['a'], start, 10)).toMatchObject({ reset: true, reason: 'expired' });
  });
});
