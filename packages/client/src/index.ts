import type { SubscribeOptions } from './options.js';
import { Subscription } from './subscription.js';
import type { EventMap } from './types.js';

/**
 * Subscribes to a Tidings endpoint: SSE first, falling back to long-poll and adaptive
 * polling when the network needs it, resuming without loss or duplicates.
 *
 * ```ts
 * type Events = { note: { text: string } };
 * const sub = subscribe<Events>('/realtime', { topics: ['news'], onEvent: (ev) => console.log(ev.data.text) });
 * for await (const ev of subscribe<Events>('/realtime', { topics: ['news'] })) render(ev.data);
 * ```
 */
export function subscribe<Events extends EventMap = EventMap>(
  url: string,
  options?: SubscribeOptions<Events>,
): Subscription<Events> {
  return new Subscription<Events>(url, options);
}

export { TidingsHttpError } from './http-error.js';
export type { SubscribeOptions } from './options.js';
export type { HiddenPolicy } from './pacer.js';
export { Subscription } from './subscription.js';
export type {
  ConnectionState,
  ErrorInfo,
  EventMap,
  HeadersOption,
  ResetInfo,
  TidingsEvent,
  Transport,
} from './types.js';
