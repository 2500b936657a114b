import type { Broker } from '@tidings/core';
import { createNatsBroker } from '@tidings/nats';

/** Broker factory of an app node process (see app-process.ts). */
export function createBroker(settings: { servers: string; stream: string }): Promise<Broker> {
  return createNatsBroker(settings);
}
