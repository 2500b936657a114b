import { parseEventId, type StoredEvent } from '@tidings/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppNode, startNode } from '../helpers/app-node.js';
import { openSse } from '../helpers/sse-client.js';
import { RedisHubFixture, redisAvailable } from './redis-fixture.js';

const ok = await redisAvailable();

/** Property 1: an id means the same event on every node; one Last-Event-ID resumes anywhere. */
describe.skipIf(!ok)('redis: ids agree across nodes', () => {
  let fixture: RedisHubFixture;
  const nodes: AppNode[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.close();
    await fixture.cleanup();
  });

  it('totally orders concurrent publishes of different topics in the same millisecond on two nodes', async () => {
    const frozen = Date.now();
    fixture = new RedisHubFixture(undefined, { now: () => frozen });
    const [a, b] = [fixture.node(), fixture.node()];
    const topics = ['red', 'green', 'blue'];
    const published = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? a : b).publish({ topic: topics[i % 3]!, event: undefined, data: `e${i}` }),
      ),
    );
    const seqs = published.map((event) => event.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(published.map((event) => event.time))).toEqual(new Set([frozen]));
    const epoch = parseEventId(published[0]!.id).epoch;
    for (const event of published) expect(parseEventId(event.id)).toEqual({ epoch, seq: event.seq });
    // Both nodes read the same merged history, with the ids the publishers got.
    const start = { epoch, seq: 0 };
    const fromA = await a.history(topics, start, 100);
    const fromB = await b.history(topics, start, 100);
    const byId = (result: typeof fromA) =>
      result.reset ? [] : result.events.map((e) => `${e.id} ${e.data}`);
    expect(byId(fromA)).toEqual(byId(fromB));
    expect(byId(fromA)).toEqual(
      [...published].sort((x, y) => x.seq - y.seq).map((e: StoredEvent) => `${e.id} ${e.data}`),
    );
  });

  it('resumes a multi-topic stream on another node from one Last-Event-ID, no loss, no duplicate', async () => {
    fixture = new RedisHubFixture();
    const nodeA = await startNode(fixture.node());
    const nodeB = await startNode(fixture.node());
    nodes.push(nodeA, nodeB);
    const first = await openSse(nodeA.endpoint('x', 'y'));
    expect(first.status).toBe(200);
    for (let i = 0; i < 6; i++) await nodeB.hub.publish(i % 2 ? 'x' : 'y', `e${i}`);
    const seen = await first.waitForEvents(6);
    expect(seen.map((e) => e.data)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
    const resumeFrom = seen[1]!.id!; // after e1
    first.close();
    // Published while the client is away, through node A, interleaving the topics.
    for (let i = 6; i < 10; i++) await nodeA.hub.publish(i % 2 ? 'x' : 'y', `e${i}`);
    const resumed = await openSse(nodeB.endpoint('x', 'y'), { 'last-event-id': resumeFrom });
    await nodeA.hub.publish('x', 'live');
    const replay = await resumed.waitForEvents(9);
    resumed.close();
    expect(replay.map((e) => e.data)).toEqual(['e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9', 'live']);
    const ids = replay.map((e) => parseEventId(e.id!).seq);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
  });
});
