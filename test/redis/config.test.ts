import { RedisBroker } from '@tidings/redis';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, RedisHubFixture, redisAvailable } from './redis-fixture.js';

const ok = await redisAvailable();

/** Property 7: an existing client or a URL, and a key prefix per tenant. */
describe.skipIf(!ok)('redis: configuration', () => {
  const fixtures: RedisHubFixture[] = [];
  afterEach(async () => {
    for (const fixture of fixtures.splice(0)) await fixture.cleanup();
  });

  it('keeps hubs with different prefixes apart: own ids, history and live events', async () => {
    const [one, two] = [new RedisHubFixture(), new RedisHubFixture()];
    fixtures.push(one, two);
    const [a, b] = [one.node(), two.node()];
    const seen: string[] = [];
    await b.subscribe('shared-name', (event) => seen.push(event.data));
    const fromA = await a.publish({ topic: 'shared-name', event: undefined, data: 'tenant one' });
    const fromB = await b.publish({ topic: 'shared-name', event: undefined, data: 'tenant two' });
    expect([fromA.seq, fromB.seq]).toEqual([1, 1]);
    expect(fromA.id).not.toBe(fromB.id);
    const history = await b.history(['shared-name'], { ...(await b.head()), seq: 0 }, 10);
    expect(history.reset ? 'reset' : history.events.map((e) => e.data)).toEqual(['tenant two']);
    await expect.poll(() => seen).toEqual(['tenant two']);
    expect(await one.admin.keys(`{${one.prefix}}:*`)).not.toHaveLength(0);
  });

  it('uses a given ioredis client without closing it, and owns the connections it opened from a URL', async () => {
    const fixture = new RedisHubFixture();
    fixtures.push(fixture);
    const client = new Redis(REDIS_URL);
    const given = new RedisBroker({ redis: client, prefix: fixture.prefix });
    await given.publish({ topic: 't', event: undefined, data: 'x' });
    await given.close();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();

    const owned = new RedisBroker({ redis: REDIS_URL, prefix: fixture.prefix });
    expect((await owned.head()).seq).toBe(1); // the first command waits for the connection
    await owned.close();
    await expect(owned.head()).rejects.toMatchObject({ code: 'broker-unavailable' });
  });

  it('works with a client that has an ioredis keyPrefix: every key lands under it', async () => {
    const fixture = new RedisHubFixture();
    fixtures.push(fixture);
    const client = new Redis(REDIS_URL, { keyPrefix: `${fixture.prefix}-tenant:` });
    const broker = new RedisBroker({ redis: client, prefix: fixture.prefix, retention: { maxTopics: 1 } });
    try {
      const seen: string[] = [];
      await broker.subscribe('a', (event) => seen.push(event.data));
      for (const topic of ['a', 'b', 'c']) await broker.publish({ topic, event: undefined, data: topic });
      const history = await broker.history(['c'], { ...(await broker.head()), seq: 0 }, 10);
      expect(history.reset ? 'reset' : history.events.map((e) => e.data)).toEqual(['c']);
      expect(await broker.retained('c')).toBe(1);
      await expect.poll(() => seen).toEqual(['a']);
      const keys = await fixture.admin.keys(`*${fixture.prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => k.startsWith(`${fixture.prefix}-tenant:`))).toBe(true);
      // maxTopics 1: the scripts forgot "a" and "b" under the same keyPrefix.
      const streams = keys.filter((k) => k.includes(':s:')).map((k) => k.slice(k.lastIndexOf(':') + 1));
      expect(streams).toEqual(['c']);
      await fixture.admin.del(...keys);
    } finally {
      await broker.close();
      client.disconnect();
    }
  });

  it('rejects a prefix that would break the hash tag, and bad numbers', () => {
    expect(() => new RedisBroker({ prefix: 'a{b}' })).toThrow(RangeError);
    expect(() => new RedisBroker({ retention: { maxEvents: 0 } })).toThrow(/maxEvents/);
  });
});
