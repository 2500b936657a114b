/**
 * Topic ↔ NATS subject token.
 *
 * A topic (`A–Z a–z 0–9 _ - . : @ /`, see core `topic.ts`) becomes ONE subject token, so
 * `<prefix>.<token>` never gains extra levels and can never contain a wildcard (`*`, `>`)
 * or an empty token (`a..b`). Letters, digits and `-` stay as they are; every other
 * character — including `_`, the escape character itself — becomes `_` plus two upper-case
 * hex digits of its code: `.` → `_2E`, `:` → `_3A`, `@` → `_40`, `/` → `_2F`, `_` → `_5F`.
 * The result uses only the characters NATS recommends for subjects, and the mapping is
 * injective and reversible: `orders/eu.west` ↔ `orders_2Feu_2Ewest`.
 */
const ESCAPED = /[^A-Za-z0-9-]/g;
const ESCAPE = /_([0-9A-F]{2})/g;

export function encodeTopic(topic: string): string {
  return topic.replace(
    ESCAPED,
    (char) => `_${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/** Inverse of {@link encodeTopic}. */
export function decodeTopic(token: string): string {
  return token.replace(ESCAPE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** Subject names: a NATS-safe prefix (tokens of letters, digits, `-`, `_`, separated by dots). */
const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Stream names: no dots, wildcards, whitespace or path separators. */
const STREAM = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidSubjectPrefix(prefix: string): boolean {
  return PREFIX.test(prefix);
}

export function isValidStreamName(name: string): boolean {
  return STREAM.test(name);
}
