import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPortOpen, requireService } from './helpers/services.js';
import { openSse, type SseConnection } from './helpers/sse-client.js';

const script = fileURLToPath(new URL('../examples/cluster/src/cluster.js', import.meta.url));
const hasRedis = await requireService('Redis', isPortOpen(6379));

/**
 * examples/cluster: two node:cluster workers of one app on one port and the shared Redis. An
 * event published through one worker reaches the subscribers held by the other. The example
 * loads the packages' built dist/ (root `npm test` builds first).
 */
describe.skipIf(!hasRedis)('example cluster', () => {
  const prefix = `cluster-test-${process.pid}-${Date.now().toString(36)}`;
  const streams: SseConnection[] = [];
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    child = spawn(process.execPath, [script], {
      env: { ...process.env, WORKERS: '2', PORT: '0', PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const found = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(line)?.[1];
        if (found) resolve(found);
      });
      child.once('exit', (code) => reject(new Error(`the cluster exited (${code}) before listening`)));
    });
  });

  afterAll(async () => {
    for (const stream of streams) stream.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    const redis = new Redis();
    const keys = await redis.keys(`*${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('delivers an event published through one worker to the subscribers of the other', async () => {
    // The primary hands connections to the workers in turn: open streams until both hold some.
    const byWorker = new Map<string, SseConnection[]>();
    for (let i = 0; i < 40 && byWorker.size < 2; i++) {
      const stream = await openSse(`${url}/realtime?topic=news`);
      streams.push(stream);
      expect(stream.status).toBe(200);
      const worker = stream.headers.get('x-worker')!;
      byWorker.set(worker, [...(byWorker.get(worker) ?? []), stream]);
    }
    expect(byWorker.size).toBe(2);

    const response = await fetch(`${url}/api/publish?topic=news`, { method: 'POST', body: 'hello' });
    expect(response.status).toBe(201);
    const { via } = (await response.json()) as { via: string };
    const others = [...byWorker].filter(([worker]) => worker !== via).flatMap(([, list]) => list);
    expect(others.length).toBeGreaterThan(0);
    for (const stream of streams) {
      const [event] = await stream.waitForEvents(1);
      expect(JSON.parse(event!.data)).toEqual({ text: 'hello', via });
    }
  });
});
