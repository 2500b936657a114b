import {
  type AdapterOptions,
  createNodeHandler,
  type NodeRequest,
  type NodeResponse,
  type RealtimeApi,
  realtimeApi,
} from '@tidings/core';

/** Options of {@link realtime}; `topics`/`authorize` receive the node request. */
export type RealtimeOptions = AdapterOptions<NodeRequest>;

/** A request listener that serves SSE, poll and long-poll, with the hub's API attached. */
export interface RealtimeListener extends RealtimeApi {
  /** Answers the request; never rejects (bad input ends as a JSON error response). */
  (req: NodeRequest, res: NodeResponse): Promise<void>;
}

/**
 * Tidings for `node:http`, `node:https` and `node:http2` (compatibility API):
 *
 * ```ts
 * const rt = realtime();
 * http.createServer((req, res) => {
 *   if (new URL(req.url ?? '/', 'http://x').pathname === '/realtime') return rt(req, res);
 *   // … the rest of the app
 * });
 * http2.createSecureServer({ key, cert }, rt);   // every request is a subscription
 * await rt.publish('news', { title: 'Hello' });
 * ```
 *
 * It answers every request handed to it; routing is the app's. On HTTP/2 it sends no
 * connection-specific headers, and a stream reset by the client (RST_STREAM) ends the subscription.
 */
export function realtime(options: RealtimeOptions = {}): RealtimeListener {
  const api = realtimeApi(options);
  const handle = createNodeHandler<NodeRequest>(api.hub, options);
  return Object.assign((req: NodeRequest, res: NodeResponse) => handle(req, res, req), api);
}

export type { HubOptions, NodeRequest, NodeResponse, PublishOptions, RealtimeApi } from '@tidings/core';
export { createHub, Hub, TidingsError } from '@tidings/core';
