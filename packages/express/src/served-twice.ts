import { type Hub, servedBy, warnServedTwice } from '@tidings/core';
import type { Request } from 'express';

/** The parts of an Express 4/5 router layer this check reads. */
interface Layer {
  handle?: unknown;
  route?: { stack?: Layer[] };
  match?(path: string): unknown;
}

/**
 * Warns (once per app and path) when another Tidings middleware with a different hub is
 * mounted on the app's router where `req` was answered: the second never sees a request.
 * Reads the app-level router stack (`app.use`, `app.get` routes); mounts inside a nested
 * `express.Router()` are not inspected.
 */
export function checkServedTwice(req: Request, hub: Hub): void {
  try {
    check(req, hub);
  } catch {
    // A diagnostic over Express internals must never break a request.
  }
}

function check(req: Request, hub: Hub): void {
  // Express 4 keeps the router in `_router` (its `app.router` getter throws); Express 5 in `router`.
  const app = req.app as unknown as { router?: { stack?: Layer[] }; _router?: { stack?: Layer[] } };
  const stack = app._router?.stack ?? app.router?.stack;
  if (!stack) return;
  const path = (req.originalUrl ?? req.url).split('?')[0] ?? '/';
  for (const layer of stack) {
    if (typeof layer.match !== 'function' || !layer.match(path)) continue;
    const handles = layer.route ? (layer.route.stack ?? []).map((inner) => inner.handle) : [layer.handle];
    for (const handle of handles) {
      const served = servedBy(handle);
      if (served !== undefined && served.hub !== hub) {
        warnServedTwice(req.app, path, hub);
        return;
      }
    }
  }
}
