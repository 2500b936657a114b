export { createNatsBroker, NatsBroker } from './nats-broker.js';
export type { NatsBrokerOptions } from './options.js';
export { decodeTopic, encodeTopic } from './subject.js';
