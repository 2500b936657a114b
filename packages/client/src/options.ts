import type { HiddenPolicy } from './pacer.js';
import type {
  ConnectionState,
  ErrorInfo,
  EventMap,
  HeadersOption,
  ResetInfo,
  TidingsEvent,
  Transport,
} from './types.js';

/** Options of {@link subscribe}. Only the URL is required; every default suits production. */
export interface SubscribeOptions<Events extends EventMap = EventMap> {
  /** Topics to subscribe to (`?topic=`). Omit when the server derives them from the request. */
  topics?: readonly string[];
  /** Headers for every request, e.g. auth. Native `EventSource` cannot send them, so `auto` never picks it when set. */
  headers?: HeadersOption;
  /**
   * Returns the subscription token for the server's `tokenAuth`, sent as
   * `Authorization: Bearer <token>`. Called before every request, so after the server ends a
   * stream with `event: auth-expired` the reconnect carries a fresh token and resumes from the
   * last id, losing nothing. Like `headers`, it rules out native `EventSource`.
   */
  getToken?: () => string | Promise<string>;
  /** `fetch` credentials mode (`include` for cookies cross-origin). Default: the browser's (`same-origin`). */
  credentials?: 'omit' | 'same-origin' | 'include';
  /**
   * Resume after this id (e.g. saved in storage); events after it are replayed. Default:
   * start from now, that is from the moment the subscription's first request reaches the
   * server — every event published after it is delivered, whatever transport it ends up on.
   */
  lastEventId?: string;
  /** `auto` (default) climbs down the ladder SSE → long-poll → poll and back up; or force one transport. */
  transport?: 'auto' | Transport;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** Closes the subscription when aborted. */
  signal?: AbortSignal;
  /** `json` (default): `data` is `JSON.parse`d when it parses, else the raw text; `text`: always the raw text. */
  decode?: 'json' | 'text';
  /**
   * Called for each event, once, in order. If it throws, the error goes to `onError` (or is
   * rethrown asynchronously) and the subscription carries on with the next event.
   */
  onEvent?: (event: TidingsEvent<Events>) => void;
  /** Called when the server could not continue from our position: refetch the app's state. */
  onReset?: (reset: ResetInfo) => void;
  /** Called when `state` or `transport` changes. */
  onStateChange?: (state: ConnectionState, transport: Transport) => void;
  /**
   * Called for every error: each failed connection attempt while the client retries
   * (`info.fatal` false: refused, DNS, 5xx, 429…), the error that closed the subscription
   * (`info.fatal` true: e.g. 400, 401, 403), and an exception thrown by `onEvent`, `onReset`
   * or `onStateChange` (which does not disturb the connection). Without `onError`, a
   * callback's exception and a fatal error nobody iterates for are rethrown asynchronously,
   * like an exception in an `EventTarget` listener.
   */
  onError?: (error: Error, info: ErrorInfo) => void;
  /**
   * The server's heartbeat interval, ms: with no byte for `2 × heartbeatMs + 5 s` a live SSE
   * stream counts as stalled and is reopened. Default 15,000, the server's default; the
   * server's `Tidings-Heartbeat-Ms` header overrides it. (Under `auto`, a stream with no byte
   * within 2 s, or the stall bound if shorter, is taken for held by a proxy: long-poll.)
   */
  heartbeatMs?: number;
  /** Overrides the stall bound derived from `heartbeatMs`, ms. */
  stallTimeoutMs?: number;
  /** Hidden tab: poll `hiddenFactor` × slower (`slow`, default) or disconnect until visible (`pause`). */
  whenHidden?: HiddenPolicy;
  /** Slow-down of interval polling in a hidden tab. Default 4. */
  hiddenFactor?: number;
  /** Long-poll hold requested from the server, s. Default 25 (under common 30 s proxy timeouts). */
  longPollWaitSeconds?: number;
  /** First upgrade probe while degraded, ms (then doubling, jittered). Default 30,000. */
  upgradeAfterMs?: number;
  /** Named events to listen for with native `EventSource` (it cannot receive unlisted names). */
  eventNames?: readonly string[];
  /**
   * Share one connection between the tabs of this origin that subscribe to the same URL
   * and topics (Web Locks + BroadcastChannel). Default: on in browsers that support it,
   * unless `lastEventId` or `fetch` is given.
   */
  share?: boolean;
}
