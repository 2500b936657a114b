/** The query parameters a subscription request reads; the first occurrence wins, `topic` collects all. */
export interface SubscriptionQuery {
  readonly topics: string[];
  readonly cursor: string | undefined;
  readonly lastEventId: string | undefined;
  readonly wait: string | undefined;
}

/**
 * Reads `topic`, `cursor`, `lastEventId` and `wait` from the query of `url` in one pass,
 * decoding exactly as `URLSearchParams` does (`application/x-www-form-urlencoded`: `+` is a
 * space, a malformed `%` escape stays as written). Other parameters are skipped without being
 * decoded: a poll's request line is parsed per request, and this is cheaper than building the
 * whole `URLSearchParams` to read four names.
 */
export function readQuery(url: string): SubscriptionQuery {
  const topics: string[] = [];
  let cursor: string | undefined;
  let lastEventId: string | undefined;
  let wait: string | undefined;
  const end = url.length;
  let at = url.indexOf('?');
  if (at === -1) return { topics, cursor, lastEventId, wait };
  at++;
  while (at <= end) {
    let next = url.indexOf('&', at);
    if (next === -1) next = end;
    if (next > at) {
      const eq = url.indexOf('=', at);
      const split = eq === -1 || eq > next ? next : eq;
      const name = decode(url, at, split);
      const value = split === next ? '' : undefined;
      if (name === 'topic') topics.push(value ?? decode(url, split + 1, next));
      else if (name === 'cursor') cursor ??= value ?? decode(url, split + 1, next);
      else if (name === 'lastEventId') lastEventId ??= value ?? decode(url, split + 1, next);
      else if (name === 'wait') wait ??= value ?? decode(url, split + 1, next);
    }
    at = next + 1;
  }
  return { topics, cursor, lastEventId, wait };
}

const ESCAPED = /[%+]/;

/** One form-encoded component, `url[from, to)`; sliced as is when it holds no `%` or `+`. */
function decode(url: string, from: number, to: number): string {
  const raw = url.slice(from, to);
  if (!ESCAPED.test(raw)) return raw;
  const spaced = raw.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A malformed escape: URLSearchParams keeps it literally and decodes the rest.
    return new URLSearchParams(`v=${raw}`).get('v') ?? spaced;
  }
}
