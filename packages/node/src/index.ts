import {
  type AdapterOptions,
  createNodeHandler,
  type EventMap,
  type NodeRequest,
  type NodeResponse,
  type RealtimeApi,
  realtimeApi,
} from '@tidings/core';

/** Options of {@link realtime}; `topics`/`authorize` receive the node request. */
export type RealtimeOptions<Events extends EventMap = EventMap> = AdapterOptions<NodeRequest, Events>;

/** A request listener that serves SSE, poll and long-poll, with the hub's API attached. */
export interface RealtimeListener<Events extends EventMap = EventMap> extends RealtimeApi<Events> {
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
export function realtime<Events extends EventMap = EventMap>(
  options: RealtimeOptions<Events> = {},
): RealtimeListener<Events> {
  const api = realtimeApi<Events>(options);
  const handle = createNodeHandler<NodeRequest>(api.hub, options);
  return Object.assign((req: NodeRequest, res: NodeResponse) => handle(req, res, req), api);
}

export type {
  EventMap,
  HubOptions,
  NodeRequest,
  NodeResponse,
  PublishOptions,
  RealtimeApi,
} from '@tidings/core';
export { createHub, Hub, TidingsError } from '@tidings/core';
