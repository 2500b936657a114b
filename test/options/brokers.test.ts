import { createServer } from 'node:net';
import { createHub } from '@tidings/core';
import { realtime } from '@tidings/express';
import { createNatsBroker } from '@tidings/nats';
import { createRedisBroker, RedisBroker } from '@tidings/redis';
import { describe, expect, it } from 'vitest';
import { requireService } from '../helpers/services.js';
import { natsAvailable, uniqueStreamName } from '../nats/nats-target.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from '../redis/redis-fixture.js';

/** Every option of the Redis and NATS brokers, checked where the factory is called (docs/options.md). */
describe('broker options', () => {
  it.each([
    [
      'redis as a number',
      { redis: 6379 },
      /option redis of createRedisBroker\(\) got 6379; it takes an ioredis client or a redis:\/\/ URL/,
    ],
    ['redis as a host', { redis: '127.0.0.1:6379' }, /option redis .* got "127\.0\.0\.1:6379" \(a string\)/],
    ['prefix', { prefix: 5 }, /option prefix of createRedisBroker\(\) got 5; it takes 1-64 characters/],
    [
      'retention.maxEvents',
      { retention: { maxEvents: '10' } },
      /option retention\.maxEvents .* got "10" \(a string\); it takes a whole number of events, at least 1/,
    ],
    ['retention.maxAgeMs', { retention: { maxAgeMs: 0 } }, /option retention\.maxAgeMs .* at least 1/],
    ['retention.maxTopics', { retention: { maxTopics: -1 } }, /option retention\.maxTopics/],
    [
      'retention.maxBytes',
      { retention: { maxBytes: 100 } },
      /option retention\.maxBytes .* it takes nothing: maxBytes is not enforced in Redis/,
    ],
    ['commandTimeoutMs', { commandTimeoutMs: '2000' }, /option commandTimeoutMs .* got "2000" \(a string\)/],
    ['now', { now: 0 }, /option now .* it takes a function/],
    [
      'unknown url',
      { url: REDIS_URL },
      /unknown option url of createRedisBroker\(\); known options: redis, prefix/,
    ],
    [
      'misspelt prefix',
      { prefx: 'app' },
      /unknown option prefx of createRedisBroker\(\); did you mean prefix\?/,
    ],
  ])('redis: %s', async (_name, options, message) => {
    expect(() => new RedisBroker(options as never)).toThrow(TypeError);
    await expect(createRedisBroker(options as never)).rejects.toThrow(message);
  });

  it.each([
    [
      'connection',
      { connection: {} },
      /option connection of createNatsBroker\(\) got an empty object \{\}; it takes an open NatsConnection/,
    ],
    ['servers', { servers: 4222 }, /option servers .* got 4222; it takes a server address/],
    ['servers empty', { servers: [] }, /option servers .* got an array/],
    ['stream', { stream: '' }, /option stream .* got "" \(a string\); it takes a non-empty string/],
    ['subjectPrefix', { subjectPrefix: 1 }, /option subjectPrefix .* it takes a non-empty string/],
    [
      'retention.maxEvents',
      { retention: { maxEvents: 1.5 } },
      /option retention\.maxEvents of createNatsBroker\(\) got 1\.5/,
    ],
    [
      'retention.maxAgeMs',
      { retention: { maxAgeMs: '600000' } },
      /option retention\.maxAgeMs .* \(a string\)/,
    ],
    [
      'retention.maxBytes',
      { retention: { maxBytes: 1 } },
      /option retention\.maxBytes .* maxBytes does not apply to JetStream/,
    ],
    [
      'retention.maxTopics',
      { retention: { maxTopics: 1 } },
      /option retention\.maxTopics .* maxTopics does not apply to JetStream/,
    ],
    [
      'storage',
      { storage: 'disk' },
      /option storage .* got "disk" \(a string\); it takes one of "file", "memory"/,
    ],
    ['replicas', { replicas: 2 }, /option replicas .* got 2; it takes one of 1, 3, 5/],
    ['timeoutMs', { timeoutMs: 0 }, /option timeoutMs .* at least 1/],
    ['now', { now: 'now' }, /option now .* it takes a function/],
    [
      'unknown',
      { server: '127.0.0.1:4222' },
      /unknown option server of createNatsBroker\(\); did you mean servers\?/,
    ],
  ])('nats: %s', async (_name, options, message) => {
    await expect(createNatsBroker(options as never)).rejects.toThrow(message);
    await expect(createNatsBroker(options as never)).rejects.toBeInstanceOf(TypeError);
  });
});

/** Both factories are awaited; the Promise itself, given as broker, is refused with the fix. */
describe('broker factories: one style, awaited', () => {
  it('refuses an un-awaited factory where the broker is given', async () => {
    const pending = createRedisBroker({ redis: 'redis://127.0.0.1:1', commandTimeoutMs: 200 });
    pending.catch(() => {});
    expect(() => createHub({ broker: pending as never })).toThrow(
      /option broker of createHub\(\) got a Promise; it takes a Broker, not a Promise of one: await the factory first/,
    );
    expect(() => realtime({ broker: pending as never })).toThrow(
      /option broker of realtime\(\) got a Promise/,
    );
    await expect(pending).rejects.toMatchObject({ code: 'broker-unavailable' });
  });

  it('createRedisBroker() rejects with broker-unavailable when nothing answers', async () => {
    const silent = createServer(); // accepts connections, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      await expect(
        createRedisBroker({ redis: `redis://127.0.0.1:${port}`, commandTimeoutMs: 300 }),
      ).rejects.toMatchObject({
        code: 'broker-unavailable',
      });
    } finally {
      silent.close();
    }
  });

  it('createNatsBroker() rejects with broker-unavailable when nothing answers', async () => {
    await expect(createNatsBroker({ servers: '127.0.0.1:1', timeoutMs: 300 })).rejects.toMatchObject({
      code: 'broker-unavailable',
    });
  });
});

const redisUp = await requireService('Redis on 127.0.0.1:6379', redisAvailable());
const natsUp = await requireService('NATS on 127.0.0.1:4222', natsAvailable());

describe.skipIf(!redisUp)('createRedisBroker() with Redis', () => {
  it('resolves once Redis answers, ready for a hub', async () => {
    const broker = await createRedisBroker({ redis: REDIS_URL, prefix: uniquePrefix() });
    expect(broker.available).toBe(true);
    const hub = createHub({ broker });
    await hub.publish('t', 'x');
    await hub.close();
    await broker.close();
  });
});

describe.skipIf(!natsUp)('createNatsBroker() with NATS', () => {
  it('resolves once the stream exists, ready for a hub', async () => {
    const broker = await createNatsBroker({ stream: uniqueStreamName('factory'), storage: 'memory' });
    const hub = createHub({ broker });
    await hub.publish('t', 'x');
    await hub.close();
    await broker.deleteStream();
    await broker.close();
  });
});
