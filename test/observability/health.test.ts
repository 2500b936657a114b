import { RedisBroker } from '@tidings/redis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { requireService } from '../helpers/services.js';
import { openSse } from '../helpers/sse-client.js';
import { canSpawnRedis, RedisProcess } from '../redis/redis-process.js';
import { type ObservedApp, startApp } from './app.js';
import { FaultyBroker } from './faulty-broker.js';

async function health(app: ObservedApp): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${app.base}/health`);
  return { status: response.status, body: await response.json() };
}

describe('health: readiness for probes', () => {
  let app: ObservedApp;
  afterEach(() => app?.close());

  it('is ready with a reachable broker', async () => {
    app = await startApp();
    expect(await health(app)).toEqual({
      status: 200,
      body: { ready: true, status: 'ok', draining: false, broker: { ok: true }, connections: 0 },
    });
  });

  it('flips to 503 while the broker is down and back once it recovers, counting the outage', async () => {
    const broker = new FaultyBroker();
    app = await startApp({ broker });
    broker.fail();
    const down = await health(app);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ready: false, status: 'broker-unavailable', broker: { ok: false } });
    expect(String((down.body.broker as { detail: string }).detail)).toContain('unreachable');
    broker.recover();
    expect((await health(app)).status).toBe(200);
    const metrics = await app.scrape();
    expect(metrics.value('tidings_broker_errors_total')).toBe(1);
    expect(metrics.value('tidings_broker_reconnections_total')).toBe(1);
  });

  it('flips to 503 draining as soon as the hub starts closing', async () => {
    app = await startApp();
    const stream = await openSse(`${app.url}?topic=drain`);
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(1));
    expect((await health(app)).status).toBe(200);
    const closing = app.hub.close({ graceMs: 200 });
    const during = await health(app);
    expect(during).toMatchObject({ status: 503, body: { ready: false, status: 'draining', draining: true } });
    expect((await app.scrape()).value('tidings_draining')).toBe(1);
    await closing;
    await stream.ended;
  });
});

const spawnable = await requireService('redis-server binary', canSpawnRedis());

describe.skipIf(!spawnable)('health with the Redis backplane (own redis-server)', () => {
  let app: ObservedApp | undefined;
  let redis: RedisProcess | undefined;
  let broker: RedisBroker | undefined;
  afterEach(async () => {
    await app?.close();
    await broker?.close();
    await redis?.stop();
  });

  it('flips to 503 when Redis dies and back to 200 when it returns', async () => {
    redis = await RedisProcess.start();
    broker = new RedisBroker({ redis: redis.url, prefix: 'obs-health', commandTimeoutMs: 1_000 });
    app = await startApp({ broker });
    const observed = app;
    await vi.waitFor(async () => expect((await health(observed)).status).toBe(200), { timeout: 10_000 });
    await redis.kill();
    await vi.waitFor(async () => expect((await health(observed)).status).toBe(503), { timeout: 10_000 });
    expect((await health(observed)).body).toMatchObject({
      status: 'broker-unavailable',
      broker: { ok: false },
    });
    await redis.restart();
    await vi.waitFor(async () => expect((await health(observed)).status).toBe(200), { timeout: 10_000 });
  });
});
