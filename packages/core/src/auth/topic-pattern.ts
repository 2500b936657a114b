import { TidingsError } from '../wire/errors.js';
import { isValidTopic } from '../wire/topic.js';

/**
 * A pattern is an exact topic name (`user:42`) or a prefix ending in `*` (`user:42:*`),
 * where the prefix is made of topic characters. `*` is only special at the very end, and
 * topics themselves can never contain `*`, so a requested topic is never read as a pattern.
 */
const PREFIX_PATTERN = /^[A-Za-z0-9_.:@/-]{1,127}\*$/;

/** Whether `pattern` is an exact topic or a `<prefix>*` pattern. */
export function isValidTopicPattern(pattern: unknown): pattern is string {
  return typeof pattern === 'string' && (isValidTopic(pattern) || PREFIX_PATTERN.test(pattern));
}

/**
 * The topics a credential grants: exact names and prefix patterns. Matching is by plain,
 * case-sensitive string comparison on already-validated topic names — no normalization,
 * no path semantics — so `user:42:*` grants `user:42:inbox` but never `user:420` or `user:43`.
 */
export class TopicGrant {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];

  /** Throws `unauthorized` if any pattern is malformed (a bad claim makes the whole token invalid). */
  constructor(patterns: readonly unknown[]) {
    for (const pattern of patterns) {
      if (!isValidTopicPattern(pattern)) {
        throw new TidingsError('unauthorized', 'Token grants a malformed topic pattern');
      }
      if (pattern.endsWith('*')) this.prefixes.push(pattern.slice(0, -1));
      else this.exact.add(pattern);
    }
  }

  /** Whether `topic` (a valid topic name) is granted. */
  allows(topic: string): boolean {
    if (!isValidTopic(topic)) return false;
    if (this.exact.has(topic)) return true;
    for (const prefix of this.prefixes) {
      if (topic.length > prefix.length && topic.startsWith(prefix)) return true;
    }
    return false;
  }

  /** The exact topics granted: the default subscription of a request that names none. */
  exactTopics(): string[] {
    return [...this.exact];
  }
}
