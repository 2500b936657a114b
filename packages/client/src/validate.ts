/** What each kind of option takes, in words for the message, and the test. */
const KINDS: Record<string, readonly [string, (value: unknown) => boolean]> = {
  strings: [
    'an array of strings',
    (value) => Array.isArray(value) && value.every((item) => typeof item === 'string'),
  ],
  object: ['an object', (value) => value instanceof Object],
  function: ['a function', (value) => typeof value === 'function'],
  string: ['a string', (value) => typeof value === 'string'],
  boolean: ['a boolean', (value) => typeof value === 'boolean'],
  number: ['a number ≥ 1', (value) => typeof value === 'number' && value >= 1 && value < Infinity],
  whole: ['a whole number ≥ 1', (value) => Number.isInteger(value) && (value as number) >= 1],
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

const fail = (what: string, takes: string, value: unknown) => {
  const shown = typeof value === 'string' ? `'${value}'` : Array.isArray(value) ? 'an array' : String(value);
  return new TypeError(`Tidings: ${what} takes ${takes}; got ${shown} (${typeof value})`);
};

/**
 * Checks `subscribe()`'s arguments, so a mistake fails at once with a `TypeError` naming
 * the option instead of quietly changing behaviour (`topics: 'orders'` would be six
 * one-letter topics); returns the endpoint URL made absolute against the page, if any.
 */
export function validate(url: unknown, options: Record<string, unknown>): string {
  for (const name in options) {
    const value = options[name];
    const spec = OPTIONS[name];
    if (!spec) throw new TypeError(`Tidings: unknown option '${name}'`);
    const [takes, test] = KINDS[spec] ?? [
      `one of ${spec}`,
      (choice) => spec.split('|').includes(choice as string),
    ];
    if (value !== undefined && !test(value)) throw fail(`option '${name}'`, takes, value);
  }
  const { transport, headers, getToken } = options;
  if (transport === 'eventsource' && (headers || getToken || typeof EventSource !== 'function')) {
    throw fail("option 'transport'", 'no eventsource without EventSource or with headers', transport);
  }
  try {
    const base = (globalThis as { location?: { href: string } }).location?.href;
    if (typeof url === 'string') return new URL(url, base).href;
  } catch {
    // not a URL, or a relative one without a page to resolve it against (Node)
  }
  throw fail('url', 'an absolute URL (or one relative to the page)', url);
}
