export type { RedisBrokerOptions } from './options.js';
export { RedisBroker, redisBroker } from './redis-broker.js';
