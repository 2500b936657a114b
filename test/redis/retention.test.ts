import { formatEventId, parseEventId } from '@tidings/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppNode, startNode } from '../helpers/app-node.js';
import { openSse } from '../helpers/sse-client.js';
import { RedisHubFixture, redisAvailable } from './redis-fixture.js';

const ok = await redisAvailable();

/** Property 2: history is shared and bounded in Redis; a too-old resume gets an explicit reset. */
describe.skipIf(!ok)('redis: shared, bounded history', () => {
  let fixture: RedisHubFixture;
  const nodes: AppNode[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.close();
    await fixture.cleanup();
  });
  const key = (name: string) => `{${fixture.prefix}}:${name}`;

  it('trims each stream to maxEvents in Redis and resets a resume older than that on any node', async () => {
    fixture = new RedisHubFixture(undefined, { retention: { maxEvents: 5 } });
    const publisher = fixture.node();
    const ids: string[] = [];
    for (let i = 1; i <= 20; i++)
      ids.push((await publisher.publish({ topic: 'feed', event: undefined, data: `e${i}` })).id);
    expect(await fixture.admin.xlen(key('s:feed'))).toBe(5);
    expect(await fixture.admin.hget(key('trimmed'), 'feed')).toBe('15');

    const node = await startNode(fixture.node());
    nodes.push(node);
    const tooOld = await openSse(node.endpoint('feed'), { 'last-event-id': ids[2]! });
    const [reset] = await tooOld.waitForEvents(1);
    tooOld.close();
    const head = ids[19]!;
    expect(reset).toMatchObject({ event: 'reset', id: head });
    expect(JSON.parse(reset!.data)).toEqual({ reason: 'expired', cursor: head });

    const exact = await openSse(node.endpoint('feed'), { 'last-event-id': ids[14]! });
    const replay = await exact.waitForEvents(5);
    exact.close();
    expect(replay.map((e) => e.data)).toEqual(['e16', 'e17', 'e18', 'e19', 'e20']);
  });

  it('drops events older than maxAgeMs and forgets idle topics, keeping resumes exact', async () => {
    let now = Date.now();
    fixture = new RedisHubFixture(undefined, { retention: { maxAgeMs: 60_000 }, now: () => now });
    const broker = fixture.node();
    const old = await broker.publish({ topic: 'quiet', event: undefined, data: 'old' });
    const start = { epoch: parseEventId(old.id).epoch, seq: 0 };
    now += 61_000;
    // Reading ages out what is too old even before the next publish on the topic.
    expect(await broker.history(['quiet'], start, 10)).toMatchObject({ reset: true, reason: 'expired' });
    expect(await broker.history(['quiet'], parseEventId(old.id), 10)).toEqual({
      reset: false,
      events: [],
      more: false,
    });
    // A publish elsewhere forgets the idle topic entirely: no key is left behind in Redis...
    await broker.publish({ topic: 'busy', event: undefined, data: 'x' });
    expect(await fixture.admin.exists(key('s:quiet'))).toBe(0);
    expect(await fixture.admin.zrange(key('topics'), 0, -1)).toEqual(['busy']);
    // ...and a resume from before its last event still resets instead of missing it.
    expect(await broker.history(['quiet'], start, 10)).toMatchObject({ reset: true, reason: 'expired' });
    expect(await broker.history(['quiet'], parseEventId(old.id), 10)).toMatchObject({ reset: false });
  });

  it('keeps a tombstone per forgotten topic, so other topics resume without a spurious reset', async () => {
    let now = Date.now();
    fixture = new RedisHubFixture(undefined, { retention: { maxAgeMs: 60_000 }, now: () => now });
    const broker = fixture.node();
    const publish = (topic: string) => broker.publish({ topic, event: undefined, data: topic });
    const quiet = await publish('quiet');
    for (let i = 0; i < 4; i++) await publish('noisy');
    now += 61_000;
    await publish('busy'); // forgets both idle topics
    expect(await fixture.admin.exists(key('s:quiet'), key('s:noisy'))).toBe(0);
    const seenQuiet = parseEventId(quiet.id);
    // The client saw everything of "quiet": exact, although "noisy" lost newer events.
    expect(await broker.history(['quiet'], seenQuiet, 10)).toEqual({ reset: false, events: [], more: false });
    expect(await broker.history(['noisy'], seenQuiet, 10)).toMatchObject({ reset: true, reason: 'expired' });
    expect(await broker.history(['never-published'], seenQuiet, 10)).toMatchObject({ reset: false });
    // Published again, a tombstoned topic keeps its mark: a cursor from before its old events resets.
    await publish('noisy');
    expect(await broker.history(['noisy'], seenQuiet, 10)).toMatchObject({ reset: true, reason: 'expired' });
  });

  it('folds the oldest tombstones into a hub-wide watermark, conservatively', async () => {
    const now = Date.now();
    fixture = new RedisHubFixture(undefined, {
      retention: { maxAgeMs: 60_000, maxTopics: 1 },
      now: () => now,
    });
    const broker = fixture.node();
    const publish = (topic: string) => broker.publish({ topic, event: undefined, data: topic });
    const first = await publish('t0');
    for (let i = 1; i <= 15; i++) await publish(`t${i}`); // maxTopics 1 → 10 tombstones at most
    expect(await fixture.admin.zcard(key('tombstones'))).toBe(10);
    expect(Number(await fixture.admin.hget(key('hub'), 'forgotten'))).toBeGreaterThan(0);
    // t0's tombstone is gone: its resume falls back to the watermark and resets rather than guess.
    expect(await broker.history(['t0'], { ...parseEventId(first.id), seq: 0 }, 10)).toMatchObject({
      reset: true,
      reason: 'expired',
    });
  });

  it('keeps history for at most maxTopics topics', async () => {
    fixture = new RedisHubFixture(undefined, { retention: { maxTopics: 3 } });
    const broker = fixture.node();
    for (const topic of ['t1', 't2', 't3', 't4', 't5'])
      await broker.publish({ topic, event: undefined, data: topic });
    expect(await fixture.admin.zrange(key('topics'), 0, -1)).toEqual(['t3', 't4', 't5']);
    expect(await fixture.admin.exists(key('s:t1'), key('s:t2'))).toBe(0);
  });

  it('voids what an older epoch left behind when only the hub hash was lost', async () => {
    fixture = new RedisHubFixture();
    const broker = fixture.node();
    for (let i = 0; i < 3; i++) await broker.publish({ topic: 'left', event: undefined, data: `old ${i}` });
    await fixture.admin.del(key('hub'));
    const fresh = await broker.publish({ topic: 'left', event: undefined, data: 'new' });
    expect(fresh.seq).toBe(1);
    const history = await broker.history(['left'], { ...parseEventId(fresh.id), seq: 0 }, 10);
    expect(history.reset ? 'reset' : history.events.map((e) => e.data)).toEqual(['new']);
  });

  it('answers ids from before a wiped Redis with reset "unknown" and starts a new epoch', async () => {
    fixture = new RedisHubFixture();
    const node = await startNode(fixture.node());
    nodes.push(node);
    const before = await node.hub.publish('news', 'before');
    const keys = await fixture.admin.keys(`{${fixture.prefix}}:*`);
    await fixture.admin.del(...keys);
    const after = await node.hub.publish('news', 'after');
    const oldEpoch = parseEventId(before).epoch;
    const newEpoch = parseEventId(after).epoch;
    expect(newEpoch).not.toBe(oldEpoch);
    expect(parseEventId(after).seq).toBe(1);
    const stream = await openSse(node.endpoint('news'), { 'last-event-id': before });
    const [reset] = await stream.waitForEvents(1);
    stream.close();
    expect(JSON.parse(reset!.data)).toEqual({ reason: 'unknown', cursor: formatEventId(newEpoch, 1) });
  });
});
