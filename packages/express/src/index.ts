import {
  type AdapterOptions,
  createNodeHandler,
  type EventMap,
  markServed,
  type RealtimeApi,
  realtimeApi,
} from '@tidings/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { checkServedTwice } from './served-twice.js';

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
 * A second `realtime()` with another hub on the same path is warned about once, at the
 * first request: only the first one answers there.
 */
export function realtime<Events extends EventMap = EventMap>(
  options: RealtimeOptions<Events> = {},
): RealtimeMiddleware<Events> {
  const api = realtimeApi<Events>(options);
  // A throwing topics()/authorize()/… goes to next(err): the app's error middleware answers it.
  const handle = createNodeHandler<Request>(api.hub, options, { rethrow: true });
  let checked = false;
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (req.route === undefined && req.path !== '/') {
      next();
      return;
    }
    if (!checked) {
      checked = true;
      checkServedTwice(req, api.hub);
    }
    handle(req, res, req).catch(next);
  };
  return markServed(Object.assign(middleware, api), { hub: api.hub });
}

export type { EventMap, HubOptions, PublishOptions, RealtimeApi } from '@tidings/core';
export { createHub, Hub, TidingsError } from '@tidings/core';
