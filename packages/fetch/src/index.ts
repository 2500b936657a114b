import {
  type AdapterOptions,
  createFetchHandler,
  type EventMap,
  type RealtimeApi,
  realtimeApi,
} from '@tidings/core';

/** Options of {@link realtime}; `topics`/`authorize` receive the fetch `Request`. */
export type RealtimeOptions<Events extends EventMap = EventMap> = AdapterOptions<Request, Events>;

/** A web-standard handler that serves SSE, poll and long-poll, with the hub's API attached. */
export interface RealtimeFetchHandler<Events extends EventMap = EventMap> extends RealtimeApi<Events> {
  /** Answers the request; never rejects (bad input ends as a JSON error response). */
  (request: Request): Promise<Response>;
}

/**
 * Tidings for any runtime with web-standard `Request`/`Response` — Hono, Next.js route
 * handlers, Bun, Deno, `@hono/node-server`:
 *
 * ```ts
 * const rt = realtime();
 * app.get('/realtime', (c) => rt(c.req.raw));       // Hono
 * export const GET = rt;                            // Next.js route handler
 * Bun.serve({ fetch: rt });                          // Bun (every request is a subscription)
 * await rt.publish('news', { title: 'Hello' });
 * ```
 *
 * SSE streams are a `ReadableStream` body: backpressure comes from the stream's queue, and
 * the subscription ends when `request.signal` aborts or the runtime cancels the body.
 */
export function realtime<Events extends EventMap = EventMap>(
  options: RealtimeOptions<Events> = {},
): RealtimeFetchHandler<Events> {
  const api = realtimeApi<Events>(options);
  const handle = createFetchHandler<Request>(api.hub, options);
  return Object.assign((request: Request) => handle(request, request), api);
}

export type { EventMap, HubOptions, PublishOptions, RealtimeApi } from '@tidings/core';
export { createHub, Hub, TidingsError } from '@tidings/core';
