/**
 * Packed (gzip) size budget of each tarball, bytes: about 1.3x the size when set (issue 14:
 * client 31.5 kB, core 77.9 kB, adapters 3-4 kB; nats 18.9 kB and redis 22.0 kB since exact
 * publish outcomes and the NATS restart recovery of issue 12; core 109.4 kB after issue 16's
 * fan-out queue, long-poll waiter and spread heartbeat — its dist is unminified, with comments,
 * by decision), so an accidental src/, source map or bundled dependency fails the packaging check.
 */
export const BUDGETS = {
  '@tidings/client': 40_000,
  '@tidings/core': 140_000,
  '@tidings/express': 5_000,
  '@tidings/fastify': 6_000,
  '@tidings/fetch': 5_000,
  '@tidings/koa': 5_000,
  '@tidings/nats': 24_000,
  '@tidings/node': 5_000,
  '@tidings/redis': 28_000,
};

/**
 * Drivers the fresh app installs itself, at another minor version than the workspace's suite
 * runs (root package-lock.json), to prove the peer ranges: ioredis ^5.8.0 (the suite runs
 * 5.11), @nats-io ^3.3.0 (the suite runs 3.3; 3.4 runs on Node 20 although its @nats-io/nuid 3
 * declares Node 22).
 */
export const DRIVERS = {
  ioredis: '5.8.0',
  '@nats-io/transport-node': '3.4.0',
  '@nats-io/jetstream': '3.4.0',
};

/** Framework peers whose types the adapters' declarations reference; ranges from the root package.json. */
export const PEERS_FOR_TYPES = ['express', '@types/express', 'koa', '@types/koa', 'fastify'];
