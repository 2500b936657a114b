import { type Broker, type Cursor, isTidingsError, type StoredEvent } from '@tidings/core';
import { decodeTopic, encodeTopic } from '@tidings/nats';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { startNode } from '../helpers/app-node.js';
import { requireService } from '../helpers/services.js';
import { openSse } from '../helpers/sse-client.js';
import { until } from '../redis/until.js';
import { canSpawnNats, NatsProcess } from './nats-process.js';
import { natsAvailable, natsHub } from './nats-target.js';

const shared = await natsAvailable();
const spawnable = await requireService('nats-server binary', canSpawnNats());

const publish = (broker: Broker, topic: string, data: string) =>
  broker.publish({ topic, event: undefined, data });

describe('nats: topic ↔ subject token', () => {
  const topic = fc.stringMatching(/^[A-Za-z0-9_.:@/-]{1,128}$/);

  it('maps every topic to one NATS-safe token and back', () => {
    fc.assert(
      fc.property(topic, (t) => {
        const token = encodeTopic(t);
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeTopic(token)).toBe(t);
      }),
    );
  });

  it('never maps two topics to the same token', () => {
    fc.assert(fc.property(topic, topic, (a, b) => a === b || encodeTopic(a) !== encodeTopic(b)));
    expect(encodeTopic('orders/eu.west')).toBe('orders_2Feu_2Ewest');
    expect(encodeTopic('a_2E')).not.toBe(encodeTopic('a.'));
  });
});

describe.skipIf(!shared)('nats: JetStream specifics (shared NATS)', () => {
  const hubs: { cleanup(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const hub of hubs.splice(0)) await hub.cleanup();
  });
  it('orders concurrent appends of two nodes to one topic without loss, duplicate or false reset', async () => {
    const hub = await natsHub();
    hubs.push(hub);
    const nodeB = await hub.peer();
    const start = await hub.broker.head();
    const writes: Promise<StoredEvent>[] = [];
    for (let i = 0; i < 20; i++) {
      writes.push(publish(hub.broker, 'hot', `a${i}`), publish(nodeB, 'hot', `b${i}`));
    }
    const stored = await Promise.all(writes);
    expect(new Set(stored.map((e) => e.seq)).size).toBe(40);
    const history = await nodeB.history(['hot'], start, 100);
    if (history.reset) throw new Error('unexpected reset');
    expect(history.events.map((e) => e.seq)).toEqual(stored.map((e) => e.seq).sort((x, y) => x - y));
    // Each node's own appends keep their order.
    const fromA = history.events.filter((e) => e.data.startsWith('a')).map((e) => e.data);
    expect(fromA).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`));
  });

  it('detects events the server removed by age, even when the topic emptied and restarted', async () => {
    const hub = await natsHub({ retention: { maxAgeMs: 1_000 } });
    hubs.push(hub);
    const { broker } = hub;
    const start = await broker.head();
    await publish(broker, 'restarted', 'first');
    await publish(broker, 'emptied', 'gone');
    await until(async () => (await broker.retained('restarted')) + (await broker.retained('emptied')), 0);
    const second = await publish(broker, 'restarted', 'second');
    // 'first' is gone although the topic's newest event links to nothing (it was empty).
    expect(await broker.history(['restarted'], start, 10)).toMatchObject({ reset: true, reason: 'expired' });
    expect(await broker.history(['emptied'], start, 10)).toMatchObject({ reset: true, reason: 'expired' });
    // A client that saw everything before the expiry resumes exactly.
    const saw: Cursor = { epoch: start.epoch, seq: second.seq - 1 };
    const exact = await broker.history(['restarted', 'emptied'], saw, 10);
    expect(exact.reset ? 'reset' : exact.events.map((e) => e.data)).toEqual(['second']);
  });

  it('gives a recreated stream a new epoch, so old cursors reset "unknown"', async () => {
    const hub = await natsHub();
    hubs.push(hub);
    const old = await publish(hub.broker, 'a', 'before');
    await hub.broker.deleteStream();
    const head = await hub.broker.head();
    expect(head.epoch).not.toBe(old.id.split('-')[0]);
    const result = await hub.broker.history(['a'], { epoch: old.id.split('-')[0]!, seq: old.seq }, 10);
    expect(result).toEqual({ reset: true, reason: 'unknown', head });
  });

  it('rejects invalid stream names and prefixes with a typed error', async () => {
    const failure = await natsHub({ subjectPrefix: 'bad.*' }).catch((e) => e);
    expect(isTidingsError(failure) && failure.code).toBe('invalid-request');
  });
});

describe.skipIf(!spawnable)('nats: fan-out cost (own nats-server)', () => {
  it('holds one consumer per node while it has local subscribers, never one per connection or topic', async () => {
    const nats = await NatsProcess.start();
    const hub = await natsHub({ servers: nats.url });
    const node = await startNode(hub.broker);
    try {
      const streams = await Promise.all([
        openSse(node.endpoint('x')),
        openSse(node.endpoint('x')),
        openSse(node.endpoint('x', 'y')),
        openSse(node.endpoint('y')),
      ]);
      expect(await nats.consumerCount(hub.stream)).toBe(1);
      const event = await publish(hub.broker, 'x', 'hello');
      for (const stream of streams.slice(0, 3)) expect((await stream.waitForEvents(1))[0]!.id).toBe(event.id);
      for (const stream of streams) stream.close();
      await until(() => nats.consumerCount(hub.stream), 0);
    } finally {
      await node.close();
      await hub.cleanup();
      await nats.stop();
    }
  });
});
