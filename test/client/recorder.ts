import {
  type ConnectionState,
  type ErrorInfo,
  type ResetInfo,
  type SubscribeOptions,
  type Subscription,
  subscribe,
  type TidingsEvent,
  type Transport,
} from '@tidings/client';

type Events = { message: { n: number } };

/** A subscription whose events, resets and state changes are recorded, with awaitable conditions. */
export interface Recorded {
  readonly sub: Subscription<Events>;
  readonly events: TidingsEvent<Events>[];
  /** `Date.now()` at each event's arrival. */
  readonly times: number[];
  /** `Date.now()` when `subscribe` was called. */
  readonly startedAt: number;
  readonly resets: ResetInfo[];
  readonly states: `${ConnectionState}/${Transport}`[];
  /** Everything `onError` was given (the recorder owns `onEvent`, `onReset`, `onStateChange` and `onError`). */
  readonly errors: { error: Error; info: ErrorInfo }[];
  /** The `n` of every event received, in order. */
  numbers(): number[];
  /** Resolves once `test` holds (checked after every event and state change); rejects after `timeoutMs`. */
  until(test: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  untilEvents(count: number): Promise<void>;
  untilState(state: ConnectionState, transport?: Transport): Promise<void>;
}

export function record(url: string, options: SubscribeOptions<Events> = {}): Recorded {
  const events: TidingsEvent<Events>[] = [];
  const times: number[] = [];
  const startedAt = Date.now();
  const resets: ResetInfo[] = [];
  const states: `${ConnectionState}/${Transport}`[] = [];
  const errors: { error: Error; info: ErrorInfo }[] = [];
  const checks = new Set<() => void>();
  const notify = () => {
    for (const check of checks) check();
  };
  const sub = subscribe<Events>(url, {
    topics: ['t'],
    ...options,
    onEvent(event) {
      events.push(event);
      times.push(Date.now());
      notify();
    },
    onReset(reset) {
      resets.push(reset);
      notify();
    },
    onStateChange(state, transport) {
      states.push(`${state}/${transport}`);
      notify();
    },
    onError(error, info) {
      errors.push({ error, info });
      notify();
    },
  });
  const until = (test: () => boolean, what: string, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        checks.delete(check);
        reject(
          new Error(`timed out waiting for ${what}; states: ${states.join(' → ')}; events: ${events.length}`),
        );
      }, timeoutMs);
      const check = () => {
        if (!test()) return;
        clearTimeout(timer);
        checks.delete(check);
        resolve();
      };
      checks.add(check);
      check();
    });
  return {
    sub,
    events,
    times,
    startedAt,
    resets,
    states,
    errors,
    numbers: () => events.map((event) => event.data.n),
    until,
    untilEvents: (count) => until(() => events.length >= count, `${count} events`),
    untilState: (state, transport) =>
      until(
        () => sub.state === state && (transport === undefined || sub.transport === transport),
        `state ${state}/${transport ?? '*'}`,
      ),
  };
}

/** 0, 1, …, count - 1 offset by `from`. */
export const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
