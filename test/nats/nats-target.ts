import { createNatsBroker, type NatsBroker, type NatsBrokerOptions } from '@tidings/nats';
import type { BrokerUnderTest } from '../broker/brokers.js';
import { isPortOpen, requireService } from '../helpers/services.js';

/** The shared NATS + JetStream of this machine (CI starts it). */
export const NATS_URL = '127.0.0.1:4222';

let counter = 0;
/** A stream name no other test (or concurrent run) uses. */
export function uniqueStreamName(label = 'test'): string {
  return `tidings_${label}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
}

/** Whether the shared NATS runs; skips with a message on a laptop, fails under CI=true. */
export function natsAvailable(): Promise<boolean> {
  return requireService(`NATS at ${NATS_URL}`, isPortOpen(4222));
}

/** Brokers on one fresh stream: the first is "node A", each `peer()` another node. */
export async function natsHub(options: Omit<NatsBrokerOptions, 'stream'> = {}) {
  const stream = uniqueStreamName();
  const servers = options.servers ?? NATS_URL;
  const created: NatsBroker[] = [];
  const node = async () => {
    const broker = await createNatsBroker({ ...options, servers, stream });
    created.push(broker);
    return broker;
  };
  const broker = await node();
  return {
    broker,
    stream,
    peer: node,
    async cleanup() {
      await broker.deleteStream().catch(() => {});
      for (const each of created) await each.close();
    },
  };
}

/** The conformance entry (see test/broker/brokers.ts). */
export const natsBroker: BrokerUnderTest = {
  name: 'nats',
  available: natsAvailable,
  create: ({ retention, now }) => natsHub({ retention, now }),
};
