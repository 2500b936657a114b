/** A transport the client can use, best first. */
export type Transport = 'sse' | 'eventsource' | 'long-poll' | 'poll';

/**
 * What the subscription is doing, for UIs:
 * - `connecting`: opening a connection or waiting to retry;
 * - `open`: an SSE stream is live;
 * - `polling`: receiving through long-poll or interval polling;
 * - `offline`: the browser is offline (or the tab is hidden with `whenHidden: 'pause'`), paused;
 * - `closed`: ended by `close()`, the `signal`, or a fatal error (see {@link Subscription.error}).
 */
export type ConnectionState = 'connecting' | 'open' | 'polling' | 'offline' | 'closed';

/** Event names mapped to payload types, e.g. `{ note: { text: string }; ping: null }`. Share it with the publishing side. */
export type EventMap = Record<string, unknown>;

/** One received event. With a typed {@link EventMap}, `data` is narrowed by `event`. */
export type TidingsEvent<Events extends EventMap = EventMap> = {
  [Name in keyof Events & string]: {
    /** The event's id: an opaque cursor, also usable as `lastEventId` to resume later. */
    readonly id: string;
    /** The topic it was published on, on every transport: tells apart the events of a multi-topic subscription. */
    readonly topic: string;
    /** The event name (`message` when the publisher gave none). */
    readonly event: Name;
    /** The payload, decoded per the `decode` option. */
    readonly data: Events[Name];
  };
}[keyof Events & string];

/** The server could not continue from the client's position: refetch the app's state, then carry on. */
export interface ResetInfo {
  /** `expired` (fell out of retention), `unknown` (another epoch: restart, wiped broker) or `dropped` (the server's `drop-oldest` slow-consumer policy). */
  readonly reason: string;
  /** The position the subscription continues from. */
  readonly cursor: string;
}

/** An event as it comes off the wire, before decoding. */
export interface RawEvent {
  readonly id: string;
  readonly topic: string;
  readonly event: string;
  readonly data: string;
}

/** Headers sent with every request (e.g. auth); a function is called before each request, so tokens can refresh. */
export type HeadersOption =
  | Record<string, string>
  | (() => Record<string, string> | Promise<Record<string, string>>);

/** What `onError` (see `SubscribeOptions`) is told besides the error itself. */
export interface ErrorInfo {
  /**
   * `true`: the error closed the subscription (`state` is `closed`): a refusal that retrying
   * cannot change (4xx other than 408/429), or a transport this runtime lacks. `false`: the
   * subscription carries on — it retries the connection (with back-off), or goes on with
   * the next event after a callback threw.
   */
  readonly fatal: boolean;
  /**
   * `connection`: a request failed or was refused (the `cause` of a network error is
   * `fetch`'s own error), your `headers` or `getToken` threw, or a stream showed no byte
   * within the stall bound. `onEvent`, `onReset`, `onStateChange`: that callback threw.
   */
  readonly source: 'connection' | 'onEvent' | 'onReset' | 'onStateChange';
  /** The subscription's state when it happened, e.g. `connecting` while a server is unreachable. */
  readonly state: ConnectionState;
  /** The transport in use or being tried. */
  readonly transport: Transport;
}
