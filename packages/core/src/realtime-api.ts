import type { CloseOptions } from './drain.js';
import type { HandlerOptions } from './handler.js';
import { createHub, type Hub, type PublishOptions } from './hub.js';
import type { HubOptions } from './options.js';

/**
 * What every adapter's `realtime(options)` takes: hub options (ignored when `hub` is given)
 * and who may subscribe to what. `Ctx` is the framework's request object.
 */
export interface AdapterOptions<Ctx> extends HubOptions, HandlerOptions<Ctx> {
  /** Share an existing hub, e.g. one also served by another adapter. Default: a new hub. */
  hub?: Hub;
}

/** The hub API every adapter's `realtime()` result carries, whatever the framework. */
export interface RealtimeApi {
  readonly hub: Hub;
  /** Publishes an event; see {@link Hub.publish}. */
  publish(topic: string, data: unknown, options?: PublishOptions): Promise<string>;
  /** Ends every stream and long-poll, optionally spread over `graceMs`; see {@link Hub.close}. */
  close(options?: CloseOptions): Promise<void>;
}

/** The given hub, or a new one from the options, with its API bound for an adapter to expose. */
export function realtimeApi(options: AdapterOptions<never>): RealtimeApi {
  const hub = options.hub ?? createHub(options);
  return {
    hub,
    publish: (topic, data, publishOptions) => hub.publish(topic, data, publishOptions),
    close: (closeOptions) => hub.close(closeOptions),
  };
}
