import { randomBytes } from 'node:crypto';
import { RedisBroker, type RedisBrokerOptions } from '@tidings/redis';
import { Redis } from 'ioredis';
import { isPortOpen, requireService } from '../helpers/services.js';

/** The shared Redis of the machine (CI starts it; see .ci/run). */
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** True when Redis answers on 127.0.0.1:6379; skips on a laptop without it, fails under CI=true. */
export function redisAvailable(): Promise<boolean> {
  return requireService('Redis (127.0.0.1:6379)', isPortOpen(6379));
}

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `tidings-test-${randomBytes(6).toString('hex')}`;
}

/**
 * Brokers on one fresh prefix — several "nodes" of one hub — plus an admin connection to
 * inspect the server. `cleanup` closes them and deletes every key of the prefix.
 */
export class RedisHubFixture {
  readonly prefix = uniquePrefix();
  readonly admin = new Redis(REDIS_URL, { lazyConnect: false });
  private readonly brokers: RedisBroker[] = [];
  private readonly clients: Redis[] = [];

  constructor(
    private readonly url = REDIS_URL,
    readonly defaults: RedisBrokerOptions = {},
  ) {}

  /**
   * A new node (its own connections) on this fixture's hub. It is given an ioredis client
   * named after the prefix (its pub/sub `duplicate()` inherits the name), so the server's
   * `CLIENT LIST` tells this fixture's connections apart.
   */
  node(options: RedisBrokerOptions = {}): RedisBroker {
    const client = new Redis(this.url, { connectionName: this.prefix });
    this.clients.push(client);
    const broker = new RedisBroker({ redis: client, prefix: this.prefix, ...this.defaults, ...options });
    this.brokers.push(broker);
    return broker;
  }

  /** Connections of this fixture's nodes that the Redis server holds. */
  async connections(): Promise<number> {
    const list = (await this.admin.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => line.includes(` name=${this.prefix} `)).length;
  }

  /** Subscribers of a topic's channel, counted by the Redis server (`PUBSUB NUMSUB`). */
  async channelSubscribers(topic: string): Promise<number> {
    const reply = (await this.admin.pubsub('NUMSUB', `{${this.prefix}}:c:${topic}`)) as [string, number];
    return Number(reply[1]);
  }

  async cleanup(): Promise<void> {
    for (const broker of this.brokers.splice(0)) await broker.close();
    for (const client of this.clients.splice(0)) client.disconnect();
    const keys = await this.admin.keys(`{${this.prefix}}:*`);
    if (keys.length > 0) await this.admin.del(...keys);
    await this.admin.quit();
  }
}
