import type { BrokerHealth } from '../broker/broker.js';
import { type RealtimeHandler, sendError } from '../http/handler.js';
import { TidingsError } from '../wire/errors.js';
import type { Hub } from './hub.js';

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

/** Probes the broker (its `health()`, else a `head()` read) and reads the drain state. */
export async function checkHealth(hub: Hub): Promise<HubHealth> {
  const broker = await probeBroker(hub);
  const draining = hub.closed;
  const status = draining ? 'draining' : broker.ok ? 'ok' : 'broker-unavailable';
  return { ready: status === 'ok', status, draining, broker, connections: hub.openConnections };
}

async function probeBroker(hub: Hub): Promise<BrokerHealth> {
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

/**
 * A readiness endpoint for load balancers and Kubernetes: `200` with the {@link HubHealth}
 * JSON when ready, `503` when the broker is unreachable or the hub is draining.
 * Mount it with `toNodeHandler` / `toFetchHandler`, or wrap it like any `RealtimeHandler`.
 */
export function createHealthHandler(hub: Hub): RealtimeHandler<unknown> {
  return async (req, sink) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(sink, new TidingsError('method-not-allowed', 'Use GET'));
      return;
    }
    const health = await hub.health();
    sink.writeHead(health.ready ? 200 : 503, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    });
    sink.end(req.method === 'HEAD' ? undefined : JSON.stringify(health));
  };
}
