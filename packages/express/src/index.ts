import {
  type AdapterOptions,
  createNodeHandler,
  type EventMap,
  type RealtimeApi,
  realtimeApi,
} from '@tidings/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Options of {@link realtime}; `topics`/`authorize` receive the Express `req`. */
export interface RealtimeOptions<Events extends EventMap = EventMap>
  extends AdapterOptions<Request, Events> {}

/** Express middleware that serves SSE, poll and long-poll, with the hub's API attached. */
export interface RealtimeMiddleware<Events extends EventMap = EventMap>
  extends RequestHandler,
    RealtimeApi<Events> {}

/**
 * Tidings for Express 4 and 5:
 *
 * ```ts
 * const rt = realtime();
 * app.use('/realtime', rt);      // or app.get('/events', rt)
 * await rt.publish('news', { title: 'Hello' });
 *
 * type Events = { note: { text: string } };  // the map subscribe<Events>() takes in the browser
 * const typed = realtime<Events>();
 * await typed.publish('news', { text: 'Hi' }, { event: 'note' }); // data checked against note
 * ```
 *
 * Mounted with `app.use`, it answers its mount path only and passes sub-paths on (`next()`).
 * An error thrown by `topics`, `authorize`, `connectionKey`, `publicTopics` or `auth` goes to
 * `next(err)`, so the app's error middleware answers and logs it (and `onError` is called).
 */
export function realtime<Events extends EventMap = EventMap>(
  options: RealtimeOptions<Events> = {},
): RealtimeMiddleware<Events> {
  const api = realtimeApi<Events>(options);
  // A throwing topics()/authorize()/… goes to next(err): the app's error middleware answers it.
  const handle = createNodeHandler<Request>(api.hub, options, { rethrow: true });
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (req.route === undefined && req.path !== '/') next();
    else handle(req, res, req).catch(next);
  };
  return Object.assign(middleware, api);
}

export type { EventMap, HubOptions, PublishOptions, RealtimeApi } from '@tidings/core';
export { createHub, Hub, TidingsError } from '@tidings/core';
