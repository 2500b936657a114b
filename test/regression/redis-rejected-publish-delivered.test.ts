import { isTidingsError, type StoredEvent } from '@tidings/core';
import { RedisBroker } from '@tidings/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { requireService } from '../helpers/services.js';
import { canSpawnRedis, RedisProcess } from '../redis/redis-process.js';
import { until } from '../redis/until.js';

const spawnable = await requireService('redis-server binary', canSpawnRedis());

/**
 * Publishes in flight when Redis crashed were rejected with `broker-unavailable` although Redis
 * had appended them (fsync'd) before dying: they were delivered after the restart. A publish
 * now carries an id; one whose reply was lost is retried idempotently or settled once Redis is
 * back, so a rejection means "not appended" — unless its code is `publish-outcome-unknown`.
 */
describe.skipIf(!spawnable)('regression: a rejected Redis publish is not delivered', () => {
  let redis: RedisProcess | undefined;
  let broker: RedisBroker | undefined;
  afterAll(async () => {
    await broker?.close();
    await redis?.stop();
  });

  it('resolves or rejects each publish in flight during a crash exactly as Redis stored it', async () => {
    redis = await RedisProcess.start();
    broker = new RedisBroker({ redis: redis.url, prefix: 'exact', retention: { maxEvents: 100_000 } });
    const publisher = broker;
    const start = await publisher.head();
    const appended: StoredEvent[] = [];
    const rejected: string[] = [];
    const unknown: string[] = [];
    let stop = false;
    let next = 0;
    const worker = async () => {
      while (!stop) {
        const data = `e${next++}`;
        try {
          appended.push(await publisher.publish({ topic: 'x', event: undefined, data }));
        } catch (error) {
          const code = isTidingsError(error) && error.code;
          expect(code === 'broker-unavailable' || code === 'publish-outcome-unknown').toBe(true);
          (code === 'publish-outcome-unknown' ? unknown : rejected).push(data);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    };
    const workers = Array.from({ length: 20 }, worker);
    for (let crash = 0; crash < 3; crash++) {
      await until(async () => appended.length > (crash + 1) * 200, true, 15_000);
      await redis.kill(); // 20 publishes in flight: some appended and fsync'd, their replies lost
      // Publishes issued while Redis is known to be away are refused at once, nothing sent.
      await until(async () => publisher.available, false);
      for (let i = 0; i < 5; i++) {
        const data = `down${crash}-${i}`;
        await expect(publisher.publish({ topic: 'x', event: undefined, data })).rejects.toThrow(
          /unavailable/,
        );
        rejected.push(data);
      }
      await redis.restart();
    }
    await until(async () => appended.length > 800, true, 15_000);
    stop = true;
    await Promise.all(workers);
    const history = await publisher.history(['x'], start, 100_000);
    if (history.reset) throw new Error('unexpected reset');
    const stored = history.events.map((event) => event.data);
    console.info(
      `redis exact publish: ${appended.length} resolved, ${rejected.length} rejected, ${unknown.length} unknown`,
    );
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored).toEqual(expect.arrayContaining(appended.map((event) => event.data)));
    expect(stored.filter((data) => rejected.includes(data))).toEqual([]);
    // Every stored event was either acknowledged or reported as of unknown outcome.
    const accounted = new Set([...appended.map((event) => event.data), ...unknown]);
    expect(stored.filter((data) => !accounted.has(data))).toEqual([]);
  }, 90_000);
});
