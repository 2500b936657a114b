import { MemoryBroker } from '@tidings/core';
import { describe, expect, it } from 'vitest';

/**
 * `new MemoryBroker({ maxEvents: undefined, … })` spread `undefined` over the defaults: an
 * undefined `maxTopics` made lru-cache throw, an undefined `maxEvents` or `maxBytes` made the
 * replay buffer's `size <= undefined` trim test false, so every publish trimmed the topic.
 */
describe('regression: a retention field given as undefined takes its default', () => {
  it('keeps events when maxEvents, maxBytes, maxAgeMs and maxTopics are undefined', async () => {
    const broker = new MemoryBroker({
      maxEvents: undefined,
      maxBytes: undefined,
      maxAgeMs: undefined,
      maxTopics: undefined,
    });
    const start = await broker.head();
    await broker.publish({ topic: 't', event: undefined, data: 'a' });
    await broker.publish({ topic: 't', event: undefined, data: 'b' });
    const history = await broker.history(['t'], start, 100);
    if (history.reset) throw new Error(`unexpected reset: ${history.reason}`);
    expect(history.events.map((event) => event.data)).toEqual(['a', 'b']);
  });
});
