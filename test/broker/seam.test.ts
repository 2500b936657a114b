import { parseEventId } from '@tidings/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AppNode, startNode } from '../helpers/app-node.js';
import { openSse } from '../helpers/sse-client.js';
import { type BrokerInstance, brokers } from './brokers.js';

/**
 * Switching from history to live loses and repeats nothing, under concurrent publishing on
 * another node — for every broker that shares history between nodes.
 */
describe.each(brokers)('no seam loss across nodes: $name', (target) => {
  let available = false;
  let instance: BrokerInstance | undefined;
  const nodes: AppNode[] = [];
  beforeAll(async () => {
    available = await target.available();
  });
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.close();
    await instance?.cleanup();
    instance = undefined;
  });

  it('resumes many streams on node A while node B publishes continuously: every event once, in order', async (ctx) => {
    if (!available) ctx.skip();
    instance = await target.create({});
    if (!instance.peer) ctx.skip();
    const nodeA = await startNode(instance.broker);
    const nodeB = await startNode(await instance.peer!());
    nodes.push(nodeA, nodeB);
    const topics = ['s1', 's2', 's3'];
    const total = 400;
    const published: string[] = [];
    const resumes: Promise<string[]>[] = [];
    // Two concurrent publishers through node B; ids are totally ordered by the broker, not by us.
    const publisher = async (offset: number) => {
      for (let i = offset; i < total; i += 2) {
        published.push(await nodeB.hub.publish(topics[i % 3]!, `e${i}`));
        // Every 25 events, a client resumes on node A from the newest id it could have seen.
        if (i % 25 === 0) {
          const from = published[published.length - 1]!;
          resumes.push(resume(nodeA, topics, from, parseEventId(from).seq));
        }
      }
    };
    await Promise.all([publisher(0), publisher(1)]);
    const last = await nodeB.hub.publish('s1', 'end');
    const all = await nodeA.hub.broker.history(topics, { ...parseEventId(last), seq: 0 }, 10_000);
    if (all.reset) throw new Error('unexpected reset');
    const order = all.events.map((e) => e.id);
    expect(order).toHaveLength(total + 1);
    const results = await Promise.all(resumes);
    expect(results.length).toBeGreaterThanOrEqual(16);
    for (const received of results) {
      const from = order.indexOf(received[0]!);
      expect(from).toBeGreaterThan(0);
      expect(received).toEqual(order.slice(from));
    }
  });
});

/** Opens a stream resuming after `from`, reads until the `end` event, returns the ids seen. */
async function resume(node: AppNode, topics: string[], from: string, fromSeq: number): Promise<string[]> {
  const stream = await openSse(node.endpoint(...topics), { 'last-event-id': from });
  const ids: string[] = [];
  for (let n = 1; ; n++) {
    const events = await stream.waitForEvents(n);
    const event = events[n - 1]!;
    ids.push(event.id!);
    if (event.data === 'end') break;
  }
  stream.close();
  expect(parseEventId(ids[0]!).seq).toBe(fromSeq + 1);
  return ids;
}
