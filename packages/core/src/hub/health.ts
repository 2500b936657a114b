import type { Broker, BrokerHealth } from '../broker/broker.js';

/** A readiness verdict, from {@link Hub.health}. */
export interface HubHealth {
  /** Whether this node should get new traffic: broker reachable and not draining. */
  readonly ready: boolean;
  readonly status: 'ok' | 'draining' | 'broker-unavailable';
  /** True once `hub.close()` began: open connections are being ended, new ones refused. */
  readonly draining: boolean;
  readonly broker: BrokerHealth;
  /** Open connections of every transport. */
  readonly connections: number;
}

/** Longest a broker probe may take before the broker counts as unreachable, ms. */
const PROBE_TIMEOUT_MS = 2_000;

/** What a health check reads of a {@link Hub}. */
interface HealthSource {
  readonly broker: Broker;
  readonly closed: boolean;
  readonly openConnections: number;
}

/** Probes the broker (its `health()`, else a `head()` read) and reads the drain state. */
export async function checkHealth(hub: HealthSource): Promise<HubHealth> {
  const broker = await probeBroker(hub);
  const draining = hub.closed;
  const status = draining ? 'draining' : broker.ok ? 'ok' : 'broker-unavailable';
  return { ready: status === 'ok', status, draining, broker, connections: hub.openConnections };
}

async function probeBroker(hub: HealthSource): Promise<BrokerHealth> {
  const { broker } = hub;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<BrokerHealth>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: 'broker probe timed out' }), PROBE_TIMEOUT_MS);
    timer.unref();
  });
  const probe = broker.health ? broker.health() : broker.head().then(() => ({ ok: true }));
  try {
    return await Promise.race([probe, timeout]);
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
