export type { RedisBrokerOptions } from './options.js';
export { createRedisBroker, RedisBroker } from './redis-broker.js';
