import { type Hub, servedBy, warnServedTwice } from '@tidings/core';
import type { Request } from 'express';

/** The parts of an Express 4/5 router layer this check reads. */
interface Layer {
  handle?: unknown;
  route?: { stack?: Layer[] };
  /** Express 4 (and router < 2.3) return a boolean and keep the matched part in `path`. */
  path?: string;
  /** Express 5's router 2.3+ returns what matched instead. */
  match?(path: string): boolean | { path?: string } | undefined;
}

/** How deep nested routers are followed (a router mounted in itself would loop). */
const MAX_DEPTH = 16;

/**
 * Warns (once per app and path) when another Tidings middleware with a different hub is
 * mounted where `req` was answered: the second never sees a request. Reads the app's router
 * stack (`app.use`, `app.get` routes) and the `express.Router()`s mounted in it, at any depth.
 * Sub-apps (`app.use(otherApp)`) are not inspected: Express keeps no reference to them.
 */
export function checkServedTwice(req: Request, hub: Hub): void {
  try {
    // Express 4 keeps the router in `_router` (its `app.router` getter throws); Express 5 in `router`.
    const app = req.app as unknown as { router?: { stack?: Layer[] }; _router?: { stack?: Layer[] } };
    const stack = app._router?.stack ?? app.router?.stack;
    const path = (req.originalUrl ?? req.url).split('?')[0] ?? '/';
    if (stack && servesAnother(stack, path, hub, 0)) warnServedTwice(req.app, path, hub);
  } catch {
    // A diagnostic over Express internals must never break a request.
  }
}

/** Whether a handler in `stack` (or in a router nested in it) matching `path` serves another hub. */
function servesAnother(stack: Layer[], path: string, hub: Hub, depth: number): boolean {
  for (const layer of stack) {
    const matched = typeof layer.match === 'function' ? layer.match(path) : false;
    if (!matched) continue;
    const handles = layer.route ? (layer.route.stack ?? []).map((inner) => inner.handle) : [layer.handle];
    for (const handle of handles) {
      const served = servedBy(handle);
      if (served !== undefined && served.hub !== hub) return true;
    }
    const nested = (layer.handle as { stack?: unknown } | undefined)?.stack;
    if (layer.route || !Array.isArray(nested) || depth >= MAX_DEPTH) continue;
    // A mounted router sees the path without the part its mount point matched.
    const prefix = (typeof matched === 'object' ? matched.path : layer.path) ?? '';
    const rest = path.slice(prefix.length);
    if (servesAnother(nested as Layer[], rest.startsWith('/') ? rest : `/${rest}`, hub, depth + 1))
      return true;
  }
  return false;
}
