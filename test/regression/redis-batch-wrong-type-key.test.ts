import type { StoredEvent } from '@tidings/core';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisHubFixture, redisAvailable } from '../redis/redis-fixture.js';

const ok = await redisAvailable();

/**
 * A topic whose stream key holds another type (a key collision under the hub's prefix) must
 * fail only its own publish. With batched publishes, the script failed at that event after the
 * batch's earlier events were already appended: those were stored and delivered, yet every
 * caller in the batch got a rejection.
 */
describe.skipIf(!ok)('regression: a wrong-type stream key in a batch of publishes', () => {
  const fixtures: RedisHubFixture[] = [];
  afterEach(async () => {
    for (const fixture of fixtures.splice(0)) await fixture.cleanup();
  });

  it('rejects only the publish on that topic; the others resolve and are stored once', async () => {
    const fixture = new RedisHubFixture();
    fixtures.push(fixture);
    const broker = fixture.node();
    const start = await broker.head();
    await fixture.admin.set(`{${fixture.prefix}}:s:bad`, 'not a stream');

    const topics = ['a', 'b', 'bad', 'c', 'd'];
    const outcomes = await Promise.allSettled(
      topics.map((topic, i) => broker.publish({ topic, event: undefined, data: `e${i}` })),
    );

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE|bad/);
    const stored = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const history = await broker.history(['a', 'b', 'c', 'd'], start, 100);
    const strip = (events: readonly StoredEvent[]) => events.map(({ topic, data }) => ({ topic, data }));
    expect(history.reset).toBe(false);
    expect(strip(history.reset ? [] : history.events)).toEqual(strip(stored));
    expect(await fixture.admin.get(`{${fixture.prefix}}:s:bad`)).toBe('not a stream');
  });
});
