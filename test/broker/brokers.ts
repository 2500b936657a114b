import { type Broker, MemoryBroker, type RetentionOptions } from '@tidings/core';
import { natsBroker } from '../nats/nats-target.js';
import { RedisHubFixture, redisAvailable } from '../redis/redis-fixture.js';

/** How a conformance case wants its broker. */
export interface BrokerSetup {
  retention?: RetentionOptions;
  /** Clock used for retention by age (the tests drive it by hand). */
  now?: () => number;
}

/** A fresh, isolated, empty history (own key prefix / stream name). */
export interface BrokerInstance {
  readonly broker: Broker;
  /** A second node on the same shared history; absent for process-local brokers. */
  peer?(): Promise<Broker>;
  /** Closes every broker created and deletes what the instance stored. */
  cleanup(): Promise<void>;
}

/** One broker implementation under test. Adding a broker means adding one entry to `brokers`. */
export interface BrokerUnderTest {
  readonly name: string;
  /** Resolves false to skip (service missing on a laptop); see test/helpers/services.ts. */
  available(): Promise<boolean>;
  create(setup: BrokerSetup): Promise<BrokerInstance>;
}

const memory: BrokerUnderTest = {
  name: 'memory',
  available: async () => true,
  async create({ retention, now }) {
    const broker = new MemoryBroker(retention, now);
    return { broker, cleanup: () => broker.close() };
  },
};

const redis: BrokerUnderTest = {
  name: 'redis',
  available: redisAvailable,
  async create({ retention, now }) {
    const fixture = new RedisHubFixture(undefined, { retention, now });
    return {
      broker: fixture.node(),
      peer: async () => fixture.node(),
      cleanup: () => fixture.cleanup(),
    };
  },
};

/** Every broker the conformance suite runs against. */
export const brokers: BrokerUnderTest[] = [memory, redis, natsBroker];
