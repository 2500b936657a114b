/** A UTF-16 half without its partner (with the `u` flag a pair is one code point, not matched). */
const LONE_SURROGATE = /\p{Surrogate}/u;
const LONE_SURROGATES = /\p{Surrogate}/gu;

/**
 * `text` with every lone surrogate replaced by U+FFFD, like `String.prototype.toWellFormed`
 * (ES2024). A lone surrogate is not Unicode text and has no UTF-8 encoding: Redis, NATS and
 * the SSE wire would each turn it into U+FFFD anyway. Every broker stores event data through
 * this, so `publish()` returns, and every transport delivers, the same string on every broker.
 */
export function wellFormed(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATES, '\uFFFD') : text;
}
