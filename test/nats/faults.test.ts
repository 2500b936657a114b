import { isTidingsError, parseEventId } from '@tidings/core';
import { createNatsBroker, type NatsBroker } from '@tidings/nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppNode, startNode } from '../helpers/app-node.js';
import { measureRestarts } from '../helpers/restart-delays.js';
import { requireService } from '../helpers/services.js';
import { openSse } from '../helpers/sse-client.js';
import { until } from '../redis/until.js';
import { canSpawnNats, NatsProcess } from './nats-process.js';

const spawnable = await requireService('nats-server binary', canSpawnNats());

/** NATS going away neither hangs publishers nor closes streams, and nothing is lost. */
describe.skipIf(!spawnable)('nats: broker faults (own nats-server)', () => {
  let nats: NatsProcess;
  let node: AppNode | undefined;
  const nodes: AppNode[] = [];
  const brokers: NatsBroker[] = [];
  beforeAll(async () => {
    nats = await NatsProcess.start();
  });
  afterAll(async () => {
    await node?.close();
    for (const each of nodes) await each.close();
    for (const broker of brokers) await broker.close();
    await nats?.stop();
  });

  it('keeps streams open, rejects publish fast, reconnects, resumes live delivery and keeps history', async () => {
    // A request timeout longer than the test: a rejection can only be the fast path.
    const options = { servers: nats.url, stream: 'faults', timeoutMs: 60_000 };
    const subscriberNode = await createNatsBroker(options);
    const publisher = await createNatsBroker(options);
    brokers.push(subscriberNode, publisher);
    node = await startNode(subscriberNode, { heartbeatMs: 1_000 });
    const seen: string[] = [];
    publisher.watch({ error: () => seen.push('error'), reconnected: () => seen.push('reconnected') });
    const stream = await openSse(node.endpoint('orders'));
    const before = await publisher.publish({ topic: 'orders', event: undefined, data: 'before' });
    expect((await stream.waitForEvents(1))[0]!.data).toBe('before');

    await nats.kill();
    await until(() => Promise.resolve(publisher.available || subscriberNode.available), false);
    const failure = await publisher
      .publish({ topic: 'orders', event: undefined, data: 'lost' })
      .catch((e) => e);
    expect(isTidingsError(failure) && failure.code).toBe('broker-unavailable');
    expect((await node.hub.health()).broker).toMatchObject({ ok: false });
    // New requests are refused with a JSON 503; the open stream keeps its heartbeats.
    const refused = await fetch(node.endpoint('orders'), { headers: { accept: 'text/event-stream' } });
    expect(refused.status).toBe(503);
    expect((await refused.json()).error.code).toBe('broker-unavailable');
    const beats = stream.comments.length;
    await stream.waitForComment(() => stream.comments.length > beats + 1);

    await nats.restart();
    await until(() => Promise.resolve(publisher.available && subscriberNode.available), true, 15_000);
    expect(seen).toEqual(['error', 'reconnected']);
    expect((await node.hub.health()).broker).toEqual({ ok: true });
    const afterOutage = await publisher.publish({ topic: 'orders', event: undefined, data: 'after' });
    const [, live] = await stream.waitForEvents(2);
    expect(live).toMatchObject({ id: afterOutage.id, data: 'after' });
    expect(stream.events).toHaveLength(2);
    // The stream survived the crash (file store): same epoch, history intact, replayed on resume.
    expect(parseEventId(afterOutage.id).epoch).toBe(parseEventId(before.id).epoch);
    const resumed = await openSse(node.endpoint('orders'), {
      'last-event-id': `${parseEventId(before.id).epoch}-0`,
    });
    const replayed = await resumed.waitForEvents(2);
    expect(replayed.map((e) => e.data)).toEqual(['before', 'after']);
    resumed.close();
    stream.close();
  });

  it('rejects a publish NATS stops answering with publish-outcome-unknown; it may still be stored', async () => {
    const broker = await createNatsBroker({ servers: nats.url, stream: 'outcome', timeoutMs: 1_000 });
    brokers.push(broker);
    const start = await broker.head();
    nats.pause(); // the message reaches NATS, which does not acknowledge it in time
    const failure = await broker
      .publish({ topic: 'x', event: undefined, data: 'maybe' })
      .catch((e) => e)
      .finally(() => nats.resume());
    expect(isTidingsError(failure) && failure.code).toBe('publish-outcome-unknown');
    expect(failure).toMatchObject({ status: 503, message: expect.stringMatching(/outcome is unknown/) });
    // JetStream stores what it was sent once it resumes: the "unknown" publish is stored, once.
    const stored = async () => {
      const history = await broker.history(['x'], start, 10);
      return history.reset ? 'reset' : history.events.map((event) => event.data).join();
    };
    await until(stored, 'maybe', 15_000);
  });

  it('recreates a memory-stored stream lost in a restart, with a new epoch: old cursors reset "unknown"', async () => {
    const broker = await createNatsBroker({ servers: nats.url, stream: 'volatile', storage: 'memory' });
    brokers.push(broker);
    const live: string[] = [];
    await broker.subscribe('a', (event) => live.push(event.id));
    const before = await broker.publish({ topic: 'a', event: undefined, data: 'gone' });
    await nats.kill();
    await until(() => Promise.resolve(broker.available), false);
    await nats.restart();
    await until(() => Promise.resolve(broker.available), true, 15_000);
    const head = await broker.head();
    expect(head.epoch).not.toBe(parseEventId(before.id).epoch);
    expect(await broker.history(['a'], parseEventId(before.id), 10)).toEqual({
      reset: true,
      reason: 'unknown',
      head,
    });
    const after = await broker.publish({ topic: 'a', event: undefined, data: 'new' });
    expect(parseEventId(after.id)).toEqual({ epoch: head.epoch, seq: 1 });
    // Live delivery follows the new stream from its first sequence.
    await until(async () => live.length, 2);
    expect(live).toEqual([before.id, after.id]);
  });

  it('resumes live delivery within seconds of each of 5 restarts (it stalled ~40 s)', async () => {
    const options = { servers: nats.url, stream: 'restarts' };
    const subscriber = await createNatsBroker(options);
    const publisher = await createNatsBroker(options);
    brokers.push(subscriber, publisher);
    const measured = await startNode(subscriber, { heartbeatMs: 1_000 });
    nodes.push(measured);
    const delays = await measureRestarts({
      server: nats,
      node: measured,
      subscriber,
      publisher,
      restarts: 5,
      boundMs: 10_000,
    });
    console.info(`nats: live delivery after 5 restarts: ${JSON.stringify(delays)}`);
    for (const delay of delays) expect(delay.worstDelayMs).toBeLessThan(10_000);
  }, 120_000);
});
