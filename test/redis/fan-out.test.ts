import { afterEach, describe, expect, it } from 'vitest';
import { type AppNode, startNode } from '../helpers/app-node.js';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { RedisHubFixture, redisAvailable } from './redis-fixture.js';
import { until } from './until.js';

const ok = await redisAvailable();

/** Property 3: one Redis subscription per topic per node, never one per connection. */
describe.skipIf(!ok)('redis: fan-out cost', () => {
  let fixture: RedisHubFixture;
  const nodes: AppNode[] = [];
  const streams: SseConnection[] = [];
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    for (const node of nodes.splice(0)) await node.close();
    await fixture.cleanup();
  });

  it('holds one channel subscription per node with local subscribers, counted on the Redis server', async () => {
    fixture = new RedisHubFixture();
    const nodeA = await startNode(fixture.node());
    const nodeB = await startNode(fixture.node());
    nodes.push(nodeA, nodeB);
    const onA = await Promise.all(Array.from({ length: 30 }, () => openSse(nodeA.endpoint('hot', 'cold'))));
    const onB = await Promise.all(Array.from({ length: 20 }, () => openSse(nodeB.endpoint('hot'))));
    streams.push(...onA, ...onB);
    expect(await fixture.channelSubscribers('hot')).toBe(2);
    expect(await fixture.channelSubscribers('cold')).toBe(1);
    // 50 streams, no new Redis connections: each node keeps its two.
    expect(await fixture.connections()).toBe(4);

    const id = await nodeB.hub.publish('hot', 'to everyone');
    const received = await Promise.all([...onA, ...onB].map((stream) => stream.waitForEvents(1)));
    expect(new Set(received.map(([event]) => `${event!.id} ${event!.data}`))).toEqual(
      new Set([`${id} to everyone`]),
    );

    // The last local subscriber leaving drops the node's subscription; the other node keeps its own.
    for (const stream of onA) stream.close();
    await until(() => fixture.channelSubscribers('cold'), 0);
    await until(() => fixture.channelSubscribers('hot'), 1);
    for (const stream of onB) stream.close();
    await until(() => fixture.channelSubscribers('hot'), 0);
  });

  it('shares the subscription between SSE streams and waiting long-polls', async () => {
    fixture = new RedisHubFixture();
    const node = await startNode(fixture.node());
    nodes.push(node);
    const cursor = await node.hub.publish('mixed', 'start');
    const polls = Array.from({ length: 10 }, () =>
      fetch(`${node.endpoint('mixed')}&cursor=${cursor}`, { headers: { prefer: 'wait=10' } }).then((r) =>
        r.json(),
      ),
    );
    const stream = await openSse(node.endpoint('mixed'));
    streams.push(stream);
    await until(() => Promise.resolve(node.hub.stats().connections.longPoll), 10);
    expect(await fixture.channelSubscribers('mixed')).toBe(1);
    const id = await node.hub.publish('mixed', 'wake');
    for (const body of await Promise.all(polls))
      expect(body.events.map((e: { id: string }) => e.id)).toEqual([id]);
    expect((await stream.waitForEvents(1))[0]!.id).toBe(id);
  });
});
