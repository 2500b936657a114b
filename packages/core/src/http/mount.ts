import type { RealtimeHandler } from './handler.js';
import { type NodeRequest, type NodeResponse, toRealtimeRequest, toResponseSink } from './node.js';
import { fromFetchRequest, WebResponseSink } from './web.js';

/**
 * Serves a core handler (metrics, health, debug) from `node:http`, Express, Koa's `ctx.req/res`
 * or Fastify's `raw`; the handler's context is the node request:
 * `app.get('/metrics', toNodeHandler(createMetricsHandler(rt.hub)))`.
 */
export function toNodeHandler(
  handler: RealtimeHandler<NodeRequest>,
): (req: NodeRequest, res: NodeResponse) => Promise<void> {
  return (req, res) => handler(toRealtimeRequest(req), toResponseSink(res), req);
}

/**
 * Serves a complete-answer core handler (metrics, health, debug) as `(Request) => Promise<Response>`,
 * for Hono, Next.js route handlers, Bun and Deno; the handler's context is the `Request`.
 */
export function toFetchHandler(handler: RealtimeHandler<Request>): (request: Request) => Promise<Response> {
  return (request) =>
    new Promise<Response>((resolve, reject) => {
      const sink = new WebResponseSink(resolve, request.signal);
      handler(fromFetchRequest(request), sink, request).catch(reject);
    });
}
