import { type Cursor, parseEventId, type StoredEvent } from '@tidings/core';
import type { RedisBroker } from '@tidings/redis';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, RedisHubFixture, redisAvailable } from './redis-fixture.js';
import { until } from './until.js';

const ok = await redisAvailable();

/**
 * Publishes made while a script call is in flight go to Redis together, one call for many
 * events: hub-wide order, exact resume and retention must come out as one at a time.
 */
describe.skipIf(!ok)('redis: batched publishes', () => {
  const fixtures: RedisHubFixture[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    for (const fixture of fixtures.splice(0)) await fixture.cleanup();
    for (const client of clients.splice(0)) client.disconnect();
  });
  const hub = (options: ConstructorParameters<typeof RedisHubFixture>[1] = {}) => {
    const fixture = new RedisHubFixture(undefined, options);
    fixtures.push(fixture);
    return fixture;
  };

  it('appends concurrent publishes in call order, many per script call, delivered and replayed in order', async () => {
    const fixture = hub();
    // A client that counts script calls.
    const client = new Redis(REDIS_URL);
    clients.push(client);
    let calls = 0;
    const evalsha = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(client, {
      evalsha: (...args: unknown[]) => {
        calls++;
        return evalsha(...args);
      },
    });
    const publisher = fixture.node({ redis: client });
    const reader = fixture.node();
    const start = await publisher.head();
    const topics = ['a', 'b', 'c', 'd', 'e'];
    const live: StoredEvent[] = [];
    for (const topic of topics) await reader.subscribe(topic, (event) => live.push(event));
    calls = 0;

    const count = 600;
    const published = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        publisher.publish({ topic: topics[(i * 7) % 5]!, event: i % 3 ? undefined : 'tick', data: `e${i}` }),
      ),
    );

    expect(published.map((event) => event.seq)).toEqual(
      Array.from({ length: count }, (_, i) => start.seq + 1 + i),
    );
    expect(calls).toBeLessThan(count / 10);
    const expected = published.map(({ seq, topic, event, data }) => ({ seq, topic, event, data }));
    const strip = (events: readonly StoredEvent[]) =>
      events.map(({ seq, topic, event, data }) => ({ seq, topic, event, data }));
    await until(async () => live.length, count, 15_000);
    expect(strip(live)).toEqual(expected);
    const history = await reader.history(topics, start, count);
    expect(history.reset ? history : strip(history.events)).toEqual(expected);
    expect(history.reset ? undefined : history.events.map((event) => event.id)).toEqual(
      published.map((event) => event.id),
    );
  });

  it('trims, forgets topics and keeps tombstones within a batch as one publish at a time would', async () => {
    // The same publishes on two hubs: one at a time, and all at once (one batch).
    let clock = 1_700_000_000_000;
    const retention = { maxEvents: 5, maxTopics: 2, maxAgeMs: 60_000 };
    const now = () => clock++;
    const sequential = hub({ retention, now });
    const batched = hub({ retention, now });
    const topics = [...Array(12).fill('x'), 'y', 'y', 'y', 'z'] as string[];
    const one = sequential.node();
    const all = batched.node();
    const startOne = await one.head();
    const startAll = await all.head();
    for (const [i, topic] of topics.entries()) await one.publish({ topic, event: undefined, data: `e${i}` });
    await Promise.all(topics.map((topic, i) => all.publish({ topic, event: undefined, data: `e${i}` })));

    const state = async (fixture: RedisHubFixture) => {
      const key = (name: string) => `{${fixture.prefix}}:${name}`;
      const { admin } = fixture;
      const streams: Record<string, string[]> = {};
      for (const topic of ['x', 'y', 'z']) {
        streams[topic] = (await admin.xrange(key(`s:${topic}`), '-', '+')).map(([id]) => id);
      }
      return {
        topics: await admin.zrange(key('topics'), 0, -1),
        tombstones: await admin.zrange(key('tombstones'), 0, -1),
        trimmed: await admin.hgetall(key('trimmed')),
        streams,
      };
    };
    const expected = await state(sequential);
    expect(expected.topics).toEqual(['y', 'z']);
    expect(expected.streams.x).toEqual([]);
    expect(await state(batched)).toEqual(expected);

    // Every resume, on every topic, answers the same: the same events or the same reset.
    const answer = async (broker: RedisBroker, start: Cursor, topic: string, seq: number) => {
      const result = await broker.history([topic], { epoch: start.epoch, seq }, 100);
      return result.reset ? result.reason : result.events.map((event) => `${event.seq} ${event.data}`);
    };
    for (const topic of ['x', 'y', 'z']) {
      for (let seq = 0; seq <= topics.length; seq++) {
        expect(await answer(all, startAll, topic, seq)).toEqual(await answer(one, startOne, topic, seq));
      }
    }
    expect(parseEventId((await all.publish({ topic: 'y', event: undefined, data: 'last' })).id).seq).toBe(
      topics.length + 1,
    );
  });
});
