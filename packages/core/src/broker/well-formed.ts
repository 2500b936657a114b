/** A UTF-16 half without its partner (with the `u` flag a pair is one code point, not matched). */
const LONE_SURROGATES = /\p{Surrogate}/gu;

/** ES2024's `isWellFormed` (node ≥ 20), not yet in the TypeScript lib this project targets. */
type Es2024String = string & { isWellFormed(): boolean };

/**
 * `text` with every lone surrogate replaced by U+FFFD, like `String.prototype.toWellFormed`
 * (ES2024). A lone surrogate is not Unicode text and has no UTF-8 encoding: Redis, NATS and
 * the SSE wire would each turn it into U+FFFD anyway. Every broker stores event data through
 * this, so `publish()` returns, and every transport delivers, the same string on every broker.
 */
export function wellFormed(text: string): string {
  // isWellFormed answers a one-byte string at once and scans others ~6× faster than the regex.
  return (text as Es2024String).isWellFormed() ? text : text.replace(LONE_SURROGATES, '\uFFFD');
}
