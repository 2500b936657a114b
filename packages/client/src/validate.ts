import { hasEventSource } from './eventsource.js';

/** What each kind of option takes, in words for the message, and the test. */
const KINDS: Record<string, readonly [string, (value: unknown) => boolean]> = {
  strings: [
    'an array of strings',
    (value) => Array.isArray(value) && value.every((item) => typeof item === 'string'),
  ],
  object: ['an object', (value) => value instanceof Object],
  function: ['a function', (value) => typeof value === 'function'],
  string: ['a string', (value) => typeof value === 'string'],
  boolean: ['true or false', (value) => typeof value === 'boolean'],
  number: ['a number, at least 1', (value) => typeof value === 'number' && value >= 1 && value < Infinity],
  whole: [
    'a whole number of seconds, at least 1',
    (value) => Number.isInteger(value) && (value as number) >= 1,
  ],
};

/** Every option of `subscribe()`: its kind, or its choices separated by `|`. */
const OPTIONS: Record<string, string> = {
  topics: 'strings',
  headers: 'object',
  getToken: 'function',
  credentials: 'omit|same-origin|include',
  lastEventId: 'string',
  transport: 'auto|sse|eventsource|long-poll|poll',
  fetch: 'function',
  signal: 'object',
  decode: 'json|text',
  onEvent: 'function',
  onReset: 'function',
  onStateChange: 'function',
  onError: 'function',
  heartbeatMs: 'number',
  stallTimeoutMs: 'number',
  whenHidden: 'slow|pause',
  hiddenFactor: 'number',
  longPollWaitSeconds: 'whole',
  upgradeAfterMs: 'number',
  eventNames: 'strings',
  share: 'boolean',
};

/** The server's wording (core's `describe`): `"orders" (a string)`, `an array`, `NaN`. */
const describe = (value: unknown) =>
  typeof value === 'string'
    ? `${JSON.stringify(value)} (a string)`
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'function'
        ? 'a function'
        : value instanceof Object
          ? 'an object'
          : String(value);

const bad = (name: string, value: unknown, takes: string) =>
  new TypeError(`Tidings: ${name} of subscribe() got ${describe(value)}; it takes ${takes}`);

/**
 * Checks `subscribe()`'s arguments, so a mistake fails at once with a `TypeError` naming
 * the option instead of quietly changing behaviour (`topics: 'orders'` would be six
 * one-letter topics); returns the endpoint URL made absolute against the page, if any.
 */
export function validate(url: unknown, options: Record<string, unknown>): string {
  const known = Object.keys(OPTIONS);
  for (const name in options) {
    const value = options[name];
    const spec = OPTIONS[name];
    if (!spec) {
      const lower = name.toLowerCase();
      const meant = known.find(
        (option) => option.toLowerCase().startsWith(lower) || lower.startsWith(option.toLowerCase()),
      );
      throw new TypeError(
        `Tidings: unknown option ${name} of subscribe(); ${meant ? `did you mean ${meant}?` : `known options: ${known.join(', ')}`}`,
      );
    }
    const choices = spec.split('|');
    const [takes, test] = KINDS[spec] ?? [
      `one of ${JSON.stringify(choices)}`,
      (choice) => choices.includes(choice as string),
    ];
    if (value !== undefined && !test(value)) throw bad(`option ${name}`, value, takes);
  }
  const { transport, headers, getToken } = options;
  if (transport === 'eventsource' && (headers || getToken || !hasEventSource())) {
    throw bad(
      'option transport',
      transport,
      `another transport ${headers || getToken ? 'with headers' : 'here'}`,
    );
  }
  try {
    const base = (globalThis as { location?: { href: string } }).location?.href;
    if (typeof url === 'string') return new URL(url, base).href;
  } catch {
    // not a URL, or a relative one without a page to resolve it against (Node)
  }
  throw bad('url', url, 'an absolute URL, or in a page one relative to it');
}
