import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { openSse } from '../helpers/sse-client.js';
import { NodeProcess } from './node-process.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from './redis-fixture.js';
import { until } from './until.js';

const ok = await redisAvailable();

/** Property 6: a node dies mid-stream; its subscriber resumes on another node and loses nothing. */
describe.skipIf(!ok)('redis: node death (separate processes)', () => {
  const prefix = uniquePrefix();
  const nodes: NodeProcess[] = [];
  afterAll(async () => {
    for (const node of nodes) await node.kill();
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`{${prefix}}:*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('resumes on another node with Last-Event-ID after SIGKILL: every event exactly once, in order', async () => {
    const [nodeA, nodeB, nodeC] = await Promise.all(
      [1, 2, 3].map(() => NodeProcess.start(REDIS_URL, prefix)),
    );
    nodes.push(nodeA!, nodeB!, nodeC!);
    const first = await openSse(`${nodeA!.url}/realtime?topic=ticker`);
    expect(first.status).toBe(200);

    // Events flow continuously through node B for the whole test.
    const published: string[] = [];
    let publishing = true;
    const publisher = (async () => {
      for (let i = 0; publishing; i++) published.push(await nodeB!.publish('ticker', `n${i}`));
    })();

    await first.waitForEvents(20);
    await nodeA!.kill();
    await first.ended;
    const lastSeen = first.lastEventId!;
    const seenBefore = first.events.length;
    // Some events are published while the subscriber has no connection at all.
    const target = published.length + 5;
    await until(() => Promise.resolve(published.length >= target), true);
    const resumed = await openSse(`${nodeC!.url}/realtime?topic=ticker`, { 'last-event-id': lastSeen });
    expect(resumed.status).toBe(200);
    await resumed.waitForEvents(20);
    publishing = false;
    await publisher;
    const total = published.length;
    await resumed.waitForEvents(total - seenBefore);
    resumed.close();

    const received = [...first.events, ...resumed.events];
    expect(received.map((e) => e.data)).toEqual(published.map((_, i) => `n${i}`));
    expect(received.map((e) => e.id)).toEqual(published);
  });
});
