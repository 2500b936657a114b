import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isPortOpen, requireService } from '../helpers/services.js';

/**
 * The Express demo on a port that is taken said `TypeError: Cannot destructure property
 * 'address' of 'server.address(...)' as it is null` (issue 14): Express 5 calls the listen
 * callback with the error. It now says the port is in use and exits 1, and so does every other
 * example, instead of node's EADDRINUSE stack (the cluster primary used to fork dying workers
 * forever; the multi-node launcher left its three nodes running).
 */
const examples = {
  express: 'express-notifications/src/server.js',
  koa: 'koa-notifications/src/server.js',
  fastify: 'fastify-notifications/src/server.js',
  hono: 'hono-notifications/src/server.js',
  'node:http': 'node-http-notifications/src/server.js',
  'multi-node': 'multi-node/src/start.js',
};
// The cluster's worker connects to Redis (127.0.0.1:6379) before it listens.
const hasRedis = await requireService('Redis', isPortOpen(6379));
if (hasRedis) Object.assign(examples, { cluster: 'cluster/src/cluster.js' });
const prefix = `port-in-use-${process.pid}`;
const holder = createServer();
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  port = (holder.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => holder.close(() => resolve()));
  if (!hasRedis) return;
  const redis = new Redis();
  const keys = await redis.keys(`{${prefix}}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

it.each(Object.entries(examples))('the %s example explains a port in use and exits 1', async (_, file) => {
  const script = fileURLToPath(new URL(`../../examples/${file}`, import.meta.url));
  const result = await promisify(execFile)(process.execPath, [script], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: '1', PREFIX: prefix },
    timeout: 60_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => error,
  );
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
  expect(result.stderr).not.toContain('TypeError');
  expect(result.stderr).not.toMatch(/^\s+at /m); // no stack
});
