import { ADAPTER_HINTS, HANDLER_SCHEMA, HUB_SCHEMA } from '../config/option-schema.js';
import { check, checkOptions, type OptionSchema } from '../config/validate.js';
import type { CloseOptions } from '../hub/drain.js';
import { type EventData, type EventMap, Hub, type PublishOptions } from '../hub/hub.js';
import type { HubOptions } from '../hub/options.js';
import type { HandlerOptions } from './handler.js';

/**
 * What every adapter's `realtime(options)` takes: hub options (refused together with `hub`)
 * and who may subscribe to what. `Ctx` is the framework's request object.
 */
export interface AdapterOptions<Ctx, Events extends EventMap = EventMap>
  extends HubOptions,
    HandlerOptions<Ctx> {
  /** Share an existing hub, e.g. one also served by another adapter. Default: a new hub. */
  hub?: Hub<Events>;
}

/**
 * The hub API every adapter's `realtime()` result carries, whatever the framework. `Events`
 * types `publish` (`realtime<Events>()`), as `subscribe<Events>()` types the client.
 */
export interface RealtimeApi<Events extends EventMap = EventMap> {
  readonly hub: Hub<Events>;
  /** Publishes an event; `data` must be the payload type of `options.event` (`message` by default). See {@link Hub.publish}. */
  publish<Name extends keyof Events & string = 'message' & keyof Events>(
    topic: string,
    data: EventData<Events, Name>,
    options?: PublishOptions<Name>,
  ): Promise<string>;
  /** Ends every stream and long-poll, optionally spread over `graceMs`; see {@link Hub.close}. */
  close(options?: CloseOptions): Promise<void>;
}

/** How an adapter names itself in option errors, and the options it adds (Koa `path`, Fastify `prefix`…). */
export interface AdapterSpec {
  /** How the app calls it, e.g. `realtime()` or `app.register(realtime)`. */
  readonly where: string;
  readonly schema?: OptionSchema;
}

const HUB = check('a Hub from createHub()', (value) => value instanceof Hub);

/**
 * Checks an adapter's options (a `TypeError` naming the first bad or unknown one), then
 * returns the given hub, or a new one from the options, with its API bound for the adapter.
 */
export function realtimeApi<Events extends EventMap = EventMap>(
  options: AdapterOptions<never, Events>,
  adapter: AdapterSpec = { where: 'realtime()' },
): RealtimeApi<Events> {
  const { where } = adapter;
  checkOptions(
    where,
    options,
    { ...HUB_SCHEMA, ...HANDLER_SCHEMA, hub: HUB, ...adapter.schema },
    ADAPTER_HINTS,
  );
  const hubOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (Object.hasOwn(HUB_SCHEMA, key) && value !== undefined) hubOptions[key] = value;
  }
  const { hub: given } = options;
  const ignored = Object.keys(hubOptions);
  if (given !== undefined && ignored.length > 0) {
    throw new TypeError(
      `Tidings: option ${ignored.join(', ')} of ${where} would be ignored, since hub is given: set hub options where the hub is created, createHub({ ${ignored.join(', ')} })`,
    );
  }
  const hub = given ?? new Hub<Events>(hubOptions, where);
  return {
    hub,
    publish: (topic, data, publishOptions) => hub.publish(topic, data, publishOptions),
    close: (closeOptions) => hub.close(closeOptions),
  };
}
