import {
  createHub,
  createNodeHandler,
  type HandlerOptions,
  type Hub,
  type HubOptions,
  type PublishOptions,
} from '@tidings/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Options of {@link realtime}: hub options (ignored when `hub` is given) and who may subscribe to what. */
export interface RealtimeOptions extends HubOptions, HandlerOptions<Request> {
  /** Share an existing hub, e.g. one also served by another adapter. Default: a new hub. */
  hub?: Hub;
}

/** Express middleware that serves SSE, poll and long-poll, with the hub's API attached. */
export interface RealtimeMiddleware extends RequestHandler {
  readonly hub: Hub;
  /** Publishes an event; see {@link Hub.publish}. */
  publish(topic: string, data: unknown, options?: PublishOptions): Promise<string>;
  /** Ends every stream and long-poll; see {@link Hub.close}. */
  close(): Promise<void>;
}

/**
 * Tidings for Express 4 and 5:
 *
 * ```ts
 * const rt = realtime();
 * app.use('/realtime', rt);      // or app.get('/events', rt)
 * await rt.publish('news', { title: 'Hello' });
 * ```
 *
 * Mounted with `app.use`, it answers its mount path only and passes sub-paths on (`next()`).
 */
export function realtime(options: RealtimeOptions = {}): RealtimeMiddleware {
  const hub = options.hub ?? createHub(options);
  const handle = createNodeHandler<Request>(hub, options);
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (req.route === undefined && req.path !== '/') next();
    else handle(req, res, req).catch(next);
  };
  return Object.assign(middleware, {
    hub,
    publish: (topic: string, data: unknown, publishOptions?: PublishOptions) =>
      hub.publish(topic, data, publishOptions),
    close: () => hub.close(),
  });
}

export type { HubOptions, PublishOptions } from '@tidings/core';
export { createHub, Hub, TidingsError } from '@tidings/core';
