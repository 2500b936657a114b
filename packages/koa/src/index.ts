import {
  type AdapterOptions,
  check,
  createHandler,
  type EventMap,
  type FrameworkResponse,
  markServed,
  type RealtimeApi,
  realtimeApi,
  servedBy,
  toFrameworkSink,
  toRealtimeRequest,
  warnServedTwice,
} from '@tidings/core';
import type { Context, Next } from 'koa';

/** Options of {@link realtime}; `topics`/`authorize` receive the Koa `ctx`. */
export interface RealtimeOptions<Events extends EventMap = EventMap> extends AdapterOptions<Context, Events> {
  /** Answer only this exact `ctx.path` and pass everything else on. Default: answer every request that reaches it (under koa-mount or a router). */
  path?: string;
}

/** Koa middleware that serves SSE, poll and long-poll, with the hub's API attached. */
export interface RealtimeMiddleware<Events extends EventMap = EventMap> extends RealtimeApi<Events> {
  (ctx: Context, next: Next): Promise<void>;
}

/** Whole answers through `ctx.status`/`ctx.body`; streams take `ctx.res` with `ctx.respond = false`. */
const koaResponse: FrameworkResponse<Context> = {
  send(ctx, status, headers, body) {
    ctx.status = status;
    // What ctx.set(headers) does, without its arrays per header: Koa reads headers from ctx.res.
    const { res } = ctx;
    for (const name in headers) res.setHeader(name, headers[name] as string);
    if (body !== undefined) ctx.body = body;
  },
  release(ctx) {
    ctx.respond = false;
  },
};

const KOA = {
  where: 'realtime()',
  schema: {
    path: check("a path starting with '/'", (value) => typeof value === 'string' && value.startsWith('/')),
  },
};

/**
 * Tidings for Koa 2 and 3:
 *
 * ```ts
 * const rt = realtime({ path: '/realtime' });
 * app.use(rt);                                   // or app.use(mount('/realtime', realtime()))
 * router.get('/realtime', realtime());           // or under @koa/router
 * await rt.publish('news', { title: 'Hello' });
 * ```
 *
 * Poll and error responses are set as `ctx.status`/`ctx.body`, so upstream middleware
 * (compression, logging, conditional GET) sees them. An SSE stream sets `ctx.respond = false`
 * and writes to `ctx.res` itself, so nothing downstream or upstream can buffer or end it.
 * An error thrown by `topics`, `authorize`, `connectionKey`, `publicTopics` or `auth`
 * propagates like any middleware's: upstream `try/catch` sees it, Koa answers 500 and emits
 * it as the app's `error` event (and `onError` is called). With `path`, a second
 * `realtime({ path })` with another hub on the same path is warned about once, at the first
 * request: only the first one answers there.
 */
export function realtime<Events extends EventMap = EventMap>(
  options: RealtimeOptions<Events> = {},
): RealtimeMiddleware<Events> {
  const api = realtimeApi<Events>(options, KOA);
  // A throwing topics()/authorize()/… propagates: Koa answers it and emits it as the app's 'error' event.
  const handle = createHandler<Context>(api.hub, options, { rethrow: true });
  let checked = options.path === undefined;
  const middleware = (ctx: Context, next: Next): Promise<void> => {
    if (options.path !== undefined && ctx.path !== options.path) return next();
    if (!checked) {
      checked = true;
      // Another realtime({ path }) with another hub on this path never sees a request.
      const twice = ctx.app.middleware.some((other) => {
        const served = servedBy(other);
        return served !== undefined && served.path === options.path && served.hub !== api.hub;
      });
      if (twice) warnServedTwice(ctx.app, ctx.path, api.hub);
    }
    return handle(toRealtimeRequest(ctx.req), toFrameworkSink(ctx.res, koaResponse, ctx), ctx);
  };
  return markServed(Object.assign(middleware, api), { hub: api.hub, path: options.path });
}

export type { EventMap, HubOptions, PublishOptions, RealtimeApi } from '@tidings/core';
export { createHub, Hub, TidingsError } from '@tidings/core';
