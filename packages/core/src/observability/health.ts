import { type RealtimeHandler, sendError } from '../http/handler.js';
import type { Hub } from '../hub/hub.js';
import { TidingsError } from '../wire/errors.js';

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
