import type { HandlerOptions, Hub, HubOptions } from '@tidings/core';
import { afterEach } from 'vitest';

/** What a conformance case asks of an app: hub and handler options, and optionally the framework's compression in front. */
export interface AppOptions extends HubOptions, HandlerOptions<unknown> {
  /** Put the framework's usual compression middleware in front (`compression`, `koa-compress`, `@fastify/compress`). */
  compression?: boolean;
}

/** A running app with Tidings mounted, on a real server at 127.0.0.1:<port>. */
export interface StartedApp {
  /** Full URL of the Tidings endpoint, e.g. `http://127.0.0.1:4567/realtime`. */
  readonly url: string;
  readonly hub: Hub;
  /** Closes the hub and the server, destroying open sockets. */
  close(): Promise<void>;
}

/** One adapter under test. Adding an adapter to the suite means adding one of these to `adapters.ts`. */
export interface AdapterUnderTest {
  readonly name: string;
  start(options?: AppOptions): Promise<StartedApp>;
}

/**
 * Registers an `afterEach` that closes every app the returned `start` opened during a test,
 * so each conformance case starts apps freely and leaves no server behind.
 */
export function useApps(adapter: AdapterUnderTest): (options?: AppOptions) => Promise<StartedApp> {
  const apps: StartedApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });
  return async (options = {}) => {
    const app = await adapter.start(options);
    apps.push(app);
    return app;
  };
}
