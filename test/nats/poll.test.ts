import { afterEach, describe, expect, it } from 'vitest';
import { type AppNode, startNode } from '../helpers/app-node.js';
import { until } from '../redis/until.js';
import { natsAvailable, natsHub } from './nats-target.js';

const ok = await natsAvailable();

interface PollBody {
  events: { id: string; topic: string; data: string }[];
  cursor: string;
  reset?: boolean;
}

const poll = async (url: string, headers: Record<string, string> = {}) =>
  (await (await fetch(url, { headers })).json()) as PollBody;

/** Poll and long-poll on NATS: a cursor from one node resumes on another; a waiting poll wakes on a publish elsewhere. */
describe.skipIf(!ok)('nats: poll and long-poll across nodes', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('polls with a cursor from node A on node B, and wakes a long-poll on B with a publish on A', async () => {
    const hub = await natsHub();
    cleanups.push(() => hub.cleanup());
    const nodes: AppNode[] = [await startNode(hub.broker), await startNode(await hub.peer())];
    for (const node of nodes) cleanups.push(() => node.close());
    const [nodeA, nodeB] = nodes as [AppNode, AppNode];
    const start = await poll(nodeA.endpoint('a', 'b'));
    expect(start.events).toEqual([]);
    const first = await nodeA.hub.publish('a', 'one');
    const second = await nodeA.hub.publish('b', 'two');
    const caughtUp = await poll(`${nodeB.endpoint('a', 'b')}&cursor=${start.cursor}`);
    expect(caughtUp.events.map((e) => e.id)).toEqual([first, second]);
    expect(caughtUp.cursor).toBe(second);
    const waiting = poll(`${nodeB.endpoint('a', 'b')}&cursor=${caughtUp.cursor}&wait=10`);
    // The long-poll holds node B's subscription on topic 'b' once it is waiting.
    await until(async () => nodeB.hub.stats().topics, 2);
    const third = await nodeA.hub.publish('b', 'three');
    const woken = await waiting;
    expect(woken.events.map((e) => [e.id, e.data])).toEqual([[third, 'three']]);
  });
});
