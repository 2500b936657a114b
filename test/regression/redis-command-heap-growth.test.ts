import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { GuardedConnection } from '../../packages/redis/src/connection.js';
import { REDIS_URL, redisAvailable } from '../redis/redis-fixture.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const ok = await redisAvailable();

/**
 * Every Redis command (each publish batch, history read, head) raced its reply against one
 * promise that rejects when the connection closes (`Promise.race`), which left a reaction on
 * that long-lived promise per command — and with it the command's result — until the next
 * disconnect. The same leak was found and fixed in the NATS broker.
 */
describe.skipIf(!ok)('regression: a Redis command keeps nothing once it settled', () => {
  const clients: Redis[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });
  const connect = async () => {
    const client = new Redis(REDIS_URL, { enableOfflineQueue: false, lazyConnect: true });
    clients.push(client);
    await client.connect();
    return new GuardedConnection(client, 5_000);
  };

  it('lets every settled result be collected while the connection stays up', async () => {
    const connection = await connect();
    const refs: WeakRef<object>[] = [];
    for (let n = 1; n <= 200; n++) {
      const result = { n };
      refs.push(new WeakRef(result));
      expect(await connection.run(async (client) => (await client.ping()) && result)).toBe(result);
    }
    await new Promise((resolve) => setImmediate(resolve)); // WeakRef targets live to the end of the job
    collectGarbage();
    expect(refs.filter((ref) => ref.deref() !== undefined).length).toBe(0);
  });

  it('still fails a command in flight the moment the connection closes, and one issued after', async () => {
    const connection = await connect();
    const pending = connection.run(() => new Promise<never>(() => {}));
    connection.client.disconnect();
    await expect(pending).rejects.toThrow(/connection lost/);
    await expect(connection.run((client) => client.ping())).rejects.toThrow(/unavailable/);
  });
});
