import { isTidingsError, parseEventId } from '@tidings/core';
import { RedisBroker } from '@tidings/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppNode, startNode } from '../helpers/app-node.js';
import { measureRestarts } from '../helpers/restart-delays.js';
import { requireService } from '../helpers/services.js';
import { openSse } from '../helpers/sse-client.js';
import { RedisHubFixture, redisAvailable } from './redis-fixture.js';
import { canSpawnRedis, RedisProcess } from './redis-process.js';
import { until } from './until.js';

const spawnable = await requireService('redis-server binary', canSpawnRedis());
const shared = await redisAvailable();

/** Property 5: Redis going away neither hangs publishers nor closes streams, and nothing is lost. */
describe.skipIf(!spawnable)('redis: broker faults (own redis-server)', () => {
  let redis: RedisProcess;
  let node: AppNode;
  let publisher: RedisBroker;
  let subscriberBroker: RedisBroker;
  let appClient: Redis;
  let appClientBroker: RedisBroker;
  beforeAll(async () => {
    redis = await RedisProcess.start();
  });
  afterAll(async () => {
    await node?.close();
    await publisher?.close();
    await subscriberBroker?.close();
    await appClientBroker?.close();
    appClient?.disconnect();
    await redis?.stop();
  });

  it('keeps streams open, rejects publish fast, reconnects, resumes live delivery and keeps history', async () => {
    // A command timeout longer than the test: a rejection can only be the fast path.
    const options = { redis: redis.url, prefix: 'faults', commandTimeoutMs: 60_000 };
    const subscriberNode = new RedisBroker(options);
    node = await startNode(subscriberNode, { heartbeatMs: 1_000 });
    publisher = new RedisBroker(options);
    subscriberBroker = subscriberNode;
    appClient = new Redis(redis.url); // ioredis defaults: offline queue on, retries per request
    appClient.on('error', () => {}); // the app's own handler; ioredis would log every retry
    appClientBroker = new RedisBroker({ ...options, redis: appClient });
    await appClientBroker.head();
    const reports: string[] = [];
    subscriberNode.watch({
      error: (error) => reports.push(`error: ${isTidingsError(error) && error.code}`),
      reconnected: () => reports.push('reconnected'),
    });
    const stream = await openSse(node.endpoint('orders'));
    const before = await publisher.publish({ topic: 'orders', event: undefined, data: 'before' });
    expect((await stream.waitForEvents(1))[0]!.data).toBe('before');

    await redis.kill();
    await until(
      () => Promise.resolve(publisher.available || subscriberNode.available || appClient.status === 'ready'),
      false,
    );
    const failure = await publisher
      .publish({ topic: 'orders', event: undefined, data: 'lost' })
      .catch((e) => e);
    expect(isTidingsError(failure) && failure.code).toBe('broker-unavailable');
    // Also with an app's own client, whose offline queue would hold the command indefinitely.
    const queued = await appClientBroker
      .publish({ topic: 'orders', event: undefined, data: 'lost' })
      .catch((e) => e);
    expect(isTidingsError(queued) && queued.code).toBe('broker-unavailable');
    // New requests are refused with a JSON 503; the open stream keeps its heartbeats.
    const refused = await fetch(node.endpoint('orders'), { headers: { accept: 'text/event-stream' } });
    expect(refused.status).toBe(503);
    expect((await refused.json()).error.code).toBe('broker-unavailable');
    expect(await node.hub.health()).toMatchObject({ ready: false, status: 'broker-unavailable' });
    const beats = stream.comments.length;
    await stream.waitForComment(() => stream.comments.length > beats + 1);

    await redis.restart();
    await until(() => Promise.resolve(publisher.available && subscriberNode.available), true, 10_000);
    expect(await node.hub.health()).toMatchObject({ ready: true, status: 'ok' });
    // One report per outage, not one per failed reconnect attempt.
    expect(reports).toEqual(['error: broker-unavailable', 'reconnected']);
    const afterOutage = await publisher.publish({ topic: 'orders', event: undefined, data: 'after' });
    const [, live] = await stream.waitForEvents(2);
    expect(live).toMatchObject({ id: afterOutage.id, data: 'after' });
    expect(stream.events).toHaveLength(2);
    // History from before the outage survived the crash (append-only file).
    const start = { epoch: parseEventId(before.id).epoch, seq: 0 };
    const history = await publisher.history(['orders'], start, 10);
    expect(history.reset ? 'reset' : history.events.map((e) => e.data)).toEqual(['before', 'after']);
    stream.close();
  });

  it('rejects a publish Redis stops answering with publish-outcome-unknown; it may still be stored', async () => {
    const broker = new RedisBroker({ redis: redis.url, prefix: 'outcome', commandTimeoutMs: 500 });
    try {
      const start = await broker.head();
      redis.pause(); // the command reaches Redis, which answers neither it nor the settle
      const failure = await broker
        .publish({ topic: 'x', event: undefined, data: 'maybe' })
        .catch((e) => e)
        .finally(() => redis.resume());
      expect(isTidingsError(failure) && failure.code).toBe('publish-outcome-unknown');
      expect(failure).toMatchObject({ status: 503, message: expect.stringMatching(/outcome is unknown/) });
      // Redis runs what it was sent once it resumes: the "unknown" publish is stored, once.
      const stored = async () => {
        const history = await broker.history(['x'], start, 10);
        return history.reset ? 'reset' : history.events.map((event) => event.data).join();
      };
      await until(stored, 'maybe', 15_000);
    } finally {
      await broker.close();
    }
  });

  it('resumes live delivery within seconds of each of 5 restarts', async () => {
    const options = { redis: redis.url, prefix: 'restarts' };
    const subscriber = new RedisBroker(options);
    const restartPublisher = new RedisBroker(options);
    const measured = await startNode(subscriber, { heartbeatMs: 1_000 });
    try {
      const delays = await measureRestarts({
        server: redis,
        node: measured,
        subscriber,
        publisher: restartPublisher,
        restarts: 5,
        boundMs: 10_000,
      });
      console.info(`redis: live delivery after 5 restarts: ${JSON.stringify(delays)}`);
      for (const delay of delays) expect(delay.worstDelayMs).toBeLessThan(10_000);
    } finally {
      await measured.close();
      await restartPublisher.close();
    }
  }, 120_000);
});

describe.skipIf(!shared)('redis: a lost pub/sub connection', () => {
  let fixture: RedisHubFixture;
  let node: AppNode;
  afterAll(async () => {
    await node?.close();
    await fixture?.cleanup();
  });

  it('delivers the events published while the subscriber connection was down, once and in order', async () => {
    fixture = new RedisHubFixture();
    node = await startNode(fixture.node());
    const publisher = fixture.node();
    const stream = await openSse(node.endpoint('a', 'b'));
    await publisher.publish({ topic: 'a', event: undefined, data: 'e0' });
    await stream.waitForEvents(1);
    // Only the subscribing node has a connection in subscriber mode.
    const list = (await fixture.admin.call('CLIENT', 'LIST')) as string;
    const pubsub = list
      .split('\n')
      .filter((line) => line.includes(` name=${fixture.prefix} `) && / sub=[1-9]/.test(line));
    expect(pubsub).toHaveLength(1);
    await fixture.admin.call('CLIENT', 'KILL', 'ID', /id=(\d+)/.exec(pubsub[0]!)![1]!);
    // Published after the server dropped the connection: pub/sub cannot deliver these.
    for (let i = 1; i <= 6; i++)
      await publisher.publish({ topic: i % 2 ? 'a' : 'b', event: undefined, data: `e${i}` });
    const events = await stream.waitForEvents(7);
    expect(events.map((e) => e.data)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
    await publisher.publish({ topic: 'b', event: undefined, data: 'e7' });
    expect((await stream.waitForEvents(8))[7]!.data).toBe('e7');
    expect(stream.events).toHaveLength(8);
    stream.close();
  });
});
