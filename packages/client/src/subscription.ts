import { Engine } from './engine.js';
import { hostEnvironment } from './environment.js';
import type { Feed } from './feed.js';
import type { SubscribeOptions } from './options.js';
import { Pacer } from './pacer.js';
import { endpoint, type RequestSettings } from './request.js';
import { canShare, type ShareMessage, share } from './share.js';
import { stallBound } from './sse.js';
import type {
  ConnectionState,
  ErrorInfo,
  EventMap,
  RawEvent,
  ResetInfo,
  TidingsEvent,
  Transport,
} from './types.js';
import { validate } from './validate.js';

/** How many recent ids are remembered to drop duplicates after a reconnect or a transport switch. */
export const SEEN_IDS = 1_000;

/**
 * A live subscription: use callbacks, `for await`, or both. Breaking out of a `for await`
 * loop closes it. Its options are checked at once: a bad one throws a `TypeError` naming it.
 */
export class Subscription<Events extends EventMap = EventMap> implements AsyncIterable<TidingsEvent<Events>> {
  private currentState: ConnectionState = 'connecting';
  private currentTransport: Transport;
  private failure: Error | undefined;
  private readonly seen = new Set<string>();
  private readonly queues = new Set<TidingsEvent<Events>[]>();
  private readonly wakers = new Set<() => void>();
  private readonly controller = new AbortController();
  private readonly feed: Feed;
  private relay: ((message: ShareMessage) => void) | undefined;

  constructor(
    url: string,
    private readonly options: SubscribeOptions<Events> = {},
  ) {
    const href = validate(url, options as Record<string, unknown>);
    const { transport = 'auto', signal, decode = 'json' } = options;
    this.currentTransport = transport === 'auto' ? 'sse' : transport;
    const parse = decode === 'text' ? (text: string) => text : parseJsonOrText;
    const feed: Feed = {
      cursor: options.lastEventId,
      accept: (raw) => this.accept(raw, parse(raw.data)),
      reset: (info) => this.reset(info),
      status: (state, via) => this.status(state, via),
      error: (error) => {
        this.relay?.({ t: 'error', message: String(error) });
        this.report(error, 'connection');
      },
    };
    this.feed = feed;
    const request: RequestSettings = {
      url: href,
      topics: options.topics ?? [],
      headers: options.headers,
      getToken: options.getToken,
      credentials: options.credentials,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    };
    const engine = new Engine(
      {
        request,
        feed,
        pacer: new Pacer(hostEnvironment(), options.whenHidden ?? 'slow', options.hiddenFactor ?? 4),
        transport,
        timing: {
          stallMs: options.stallTimeoutMs ?? stallBound(options.heartbeatMs ?? 15_000),
          followServer: options.stallTimeoutMs === undefined,
          retryMs: 3_000,
        },
        eventNames: options.eventNames ?? [],
        longPollWaitSeconds: options.longPollWaitSeconds ?? 25,
        upgradeAfterMs: options.upgradeAfterMs ?? 30_000,
      },
      this.controller.signal,
    );
    const run = () => engine.run().catch((error: Error) => this.close(error));
    const shared = options.share ?? (options.lastEventId === undefined && options.fetch === undefined);
    if (shared && canShare()) {
      const key = `tidings:${transport}:${endpoint(request, undefined)}`;
      share(
        key,
        (message) => this.follow(message),
        (post) => {
          this.relay = post;
          return run();
        },
        () => ({
          t: 'state',
          state: this.currentState,
          transport: this.currentTransport,
          cursor: this.feed.cursor,
        }),
        this.controller.signal,
      );
    } else run();
    if (signal?.aborted) this.close();
    signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** What the subscription is doing; see {@link ConnectionState}. */
  get state(): ConnectionState {
    return this.currentState;
  }

  /** The transport in use or being tried. */
  get transport(): Transport {
    return this.currentTransport;
  }

  /** The id of the last event received (or the start position): save it to resume later with `lastEventId`. */
  get lastEventId(): string | undefined {
    return this.feed.cursor;
  }

  /** The fatal error that closed the subscription, if any (also given to `onError`). */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Ends the subscription: no more requests, events or callbacks; pending `for await` loops end. */
  close(error?: Error): void {
    if (this.currentState === 'closed') return;
    this.failure = error;
    this.controller.abort();
    this.status('closed', this.currentTransport);
    this.wake();
    if (error) this.report(error, 'connection', true);
  }

  [Symbol.asyncIterator](): AsyncIterator<TidingsEvent<Events>> {
    const queue: TidingsEvent<Events>[] = [];
    this.queues.add(queue);
    return {
      next: async () => {
        while (queue.length === 0 && this.currentState !== 'closed') {
          await new Promise<void>((wake) => this.wakers.add(wake));
        }
        const value = queue.shift();
        if (value) return { value, done: false };
        this.queues.delete(queue);
        if (this.failure) throw this.failure;
        return { value: undefined, done: true };
      },
      return: async () => {
        this.queues.delete(queue);
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  private accept(raw: RawEvent, data: unknown): void {
    if (this.currentState === 'closed' || this.seen.has(raw.id)) return;
    this.seen.add(raw.id);
    if (this.seen.size > SEEN_IDS) this.seen.delete(this.seen.values().next().value as string);
    this.feed.cursor = raw.id;
    this.relay?.({ t: 'event', event: raw });
    const event = { id: raw.id, topic: raw.topic, event: raw.event, data } as TidingsEvent<Events>;
    for (const queue of this.queues) queue.push(event);
    this.wake();
    this.call('onEvent', event);
  }

  private reset(info: ResetInfo): void {
    if (this.currentState === 'closed') return;
    this.feed.cursor = info.cursor;
    this.relay?.({ t: 'reset', reset: info });
    this.call('onReset', info);
  }

  private status(state: ConnectionState, transport: Transport): void {
    if (this.currentState === 'closed') return;
    // Closing is this tab's own affair: the next tab in line takes over the connection.
    if (state !== 'closed') this.relay?.({ t: 'state', state, transport, cursor: this.feed.cursor });
    if (state === this.currentState && transport === this.currentTransport) return;
    this.currentState = state;
    this.currentTransport = transport;
    this.call('onStateChange', state, transport);
  }

  /** Runs an app callback: what it throws is the app's bug, reported, not a broken connection. */
  private call(source: 'onEvent' | 'onReset' | 'onStateChange', ...args: unknown[]): void {
    try {
      (this.options[source] as ((...args: unknown[]) => void) | undefined)?.(...args);
    } catch (error) {
      this.report(error, source);
    }
  }

  /**
   * Hands an error to `onError`. Without one, a callback's exception (or one thrown by
   * `onError`) and a fatal error no `for await` loop will see are rethrown asynchronously,
   * as an `EventTarget` does with a listener's: the page's `error` event, Node's
   * `uncaughtException`. A connection error nobody listens for only shows in `state`.
   */
  private report(error: unknown, source: ErrorInfo['source'], fatal = false): void {
    const { onError } = this.options;
    if (source === 'connection' && !fatal && this.currentState === 'closed') return;
    try {
      if (onError) {
        onError(error as Error, {
          fatal,
          source,
          state: this.currentState,
          transport: this.currentTransport,
        });
        return;
      }
      if (source === 'connection' && (!fatal || this.queues.size > 0)) return;
    } catch (thrown) {
      error = thrown;
    }
    setTimeout(() => {
      throw error;
    });
  }

  /** A message from the leader tab. */
  private follow(message: ShareMessage): void {
    if (message.t === 'event') this.feed.accept(message.event);
    else if (message.t === 'reset') this.reset(message.reset);
    else if (message.t === 'error') this.report(new Error(message.message), 'connection');
    else if (message.t === 'state' && message.state !== 'closed') {
      this.feed.cursor ??= message.cursor;
      this.status(message.state, message.transport);
    }
  }

  private wake(): void {
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
