/**
 * Option checking, shared by `createHub()`, every adapter's `realtime()` and the broker
 * factories. A schema maps each option to what it takes; {@link checkOptions} throws a
 * `TypeError` that names the option, shows what it got and says what it takes, and rejects
 * unknown keys with a did-you-mean hint. Hand-written rather than a schema library: the
 * checks are a dozen one-liners, the messages are the product, and start-up stays one pass
 * over the given keys (docs/options.md lists every check and its message).
 */

/** What one option takes: a test and its description for the error message. */
export interface OptionCheck {
  /** Says what the option takes, e.g. `a whole number of milliseconds ≥ 1000`. */
  readonly takes: string;
  /** Returns true when `value` is acceptable, or a message of its own for a telling mistake. */
  readonly test: (value: unknown) => boolean | string;
}

/** An object option whose keys are themselves checked. */
export interface NestedOptions {
  readonly takes: string;
  readonly keys: OptionSchema;
  /** Unknown keys of this object that are a known mistake, mapped to a hint (`origin` → `origins`). */
  readonly hints?: Readonly<Record<string, string>>;
}

/** Option name → its check. */
export type OptionSchema = Readonly<Record<string, OptionCheck | NestedOptions>>;

/** A check built from a predicate and its description. */
export const check = (takes: string, test: OptionCheck['test']): OptionCheck => ({ takes, test });

/** A whole number ≥ `min`, in `unit` (`milliseconds`, `bytes`…). Strings such as `'3000'` are refused. */
export const wholeNumber = (unit: string, min = 0): OptionCheck =>
  check(
    `a whole number of ${unit}${min > 0 ? `, at least ${min}` : ', 0 or more'}`,
    (value) => Number.isSafeInteger(value) && (value as number) >= min,
  );

export const aFunction = (signature: string): OptionCheck =>
  check(`a function ${signature}`, (value) => typeof value === 'function');

export const aString: OptionCheck = check(
  'a non-empty string',
  (value) => typeof value === 'string' && value !== '',
);

export const aBoolean: OptionCheck = check('true or false', (value) => typeof value === 'boolean');

export const oneOf = (values: readonly unknown[]): OptionCheck =>
  check(`one of ${values.map((value) => JSON.stringify(value)).join(', ')}`, (value) =>
    values.includes(value),
  );

/** An object whose listed members are functions (a broker, a logger, a token verifier…). */
export const withMethods = (takes: string, methods: readonly string[]): OptionCheck =>
  check(
    takes,
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
  );

export const nested = (
  takes: string,
  keys: OptionSchema,
  hints?: Readonly<Record<string, string>>,
): NestedOptions => (hints ? { takes, keys, hints } : { takes, keys });

/**
 * Throws a `TypeError` for the first bad or unknown option of `options`, as given to `where`
 * (`realtime()`, `createHub()`…). `undefined` values count as not given. `hints` maps known
 * mistakes among unknown keys to the option meant.
 */
export function checkOptions(
  where: string,
  options: unknown,
  schema: OptionSchema,
  hints: Readonly<Record<string, string>> = {},
): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) {
    throw new TypeError(`Tidings: ${where} takes an options object, got ${describe(options)}`);
  }
  checkObject(where, '', options, schema, hints);
}

function checkObject(
  where: string,
  path: string,
  options: Record<string, unknown>,
  schema: OptionSchema,
  hints: Readonly<Record<string, string>>,
): void {
  for (const [key, value] of Object.entries(options)) {
    const name = path + key;
    const entry = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (entry === undefined) {
      const meant = hints[key] ?? closest(key, Object.keys(schema));
      const hint =
        meant === undefined
          ? `; known options: ${Object.keys(schema).join(', ')}`
          : `; did you mean ${path}${meant}?`;
      throw new TypeError(`Tidings: unknown option ${name} of ${where}${hint}`);
    }
    if (value === undefined) continue;
    if ('keys' in entry) {
      if (!isPlainObject(value)) throw bad(where, name, value, entry.takes);
      checkObject(where, `${name}.`, value, entry.keys, entry.hints ?? {});
      continue;
    }
    const verdict = entry.test(value);
    if (verdict !== true) throw bad(where, name, value, typeof verdict === 'string' ? verdict : entry.takes);
  }
}

/** The error for option `name` with a bad `value`. */
export function bad(where: string, name: string, value: unknown, takes: string): TypeError {
  return new TypeError(`Tidings: option ${name} of ${where} got ${describe(value)}; it takes ${takes}`);
}

/** A short, safe rendering of what was given: `"3000" (a string)`, `a Promise`, `true`. */
export function describe(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `${JSON.stringify(shown)} (a string)`;
  }
  if (typeof value === 'function') return 'a function';
  if (isThenable(value)) return 'a Promise';
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return String(value);
  const keys = Object.keys(value);
  return keys.length === 0 ? 'an empty object {}' : `an object with ${keys.slice(0, 5).join(', ')}`;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isThenable(value);
}

/** The known name `key` most likely meant: same letters in another case, a prefix, or at most 2 edits. */
function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.ceil(key.length / 3) + 1);
  for (const name of known) {
    const candidate = name.toLowerCase();
    if (candidate === lower || (lower.length >= 4 && candidate.startsWith(lower))) return name;
    const distance = editDistance(lower, candidate);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance; names are short, so the plain two-row version is enough. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}
