import type { HeadersOption } from './types.js';

/** What every request of a subscription shares. */
export interface RequestSettings {
  /** The endpoint, absolute (resolved against the page once, at `subscribe()`). */
  readonly url: string;
  readonly topics: readonly string[];
  readonly headers: HeadersOption | undefined;
  readonly getToken: (() => string | Promise<string>) | undefined;
  readonly credentials: 'omit' | 'same-origin' | 'include' | undefined;
  readonly fetch: typeof fetch;
}

/**
 * The endpoint URL with `topic`s, the resume `cursor` and a long-poll `wait`, all in the
 * query: query parameters are "simple" requests, so a cross-origin client needs no CORS
 * preflight (the `Last-Event-ID` and `Prefer` headers would need one).
 */
export function endpoint(
  settings: RequestSettings,
  cursor: string | undefined,
  extra: Record<string, string> = {},
): string {
  const url = new URL(settings.url);
  for (const topic of settings.topics) url.searchParams.append('topic', topic);
  if (cursor) url.searchParams.set('cursor', cursor);
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
  return url.href;
}

/**
 * Sends a GET with the subscription's headers and credentials. A request that gets no
 * answer (refused, DNS, reset) rejects with an `Error` naming the URL, whose `cause` is
 * `fetch`'s error; one aborted by `signal` rejects with the abort reason.
 */
export async function send(
  settings: RequestSettings,
  url: string,
  accept: string,
  signal: AbortSignal,
): Promise<Response> {
  const custom = typeof settings.headers === 'function' ? await settings.headers() : settings.headers;
  const token = settings.getToken ? await settings.getToken() : undefined;
  const authorization = token ? { authorization: `Bearer ${token}` } : undefined;
  try {
    return await settings.fetch(url, {
      headers: { ...custom, ...authorization, accept },
      credentials: settings.credentials,
      cache: 'no-store',
      signal,
    });
  } catch (cause) {
    if (signal.aborted) throw cause;
    // Node's fetch says "fetch failed" and puts ECONNREFUSED / ENOTFOUND in its own cause.
    const detail = (cause as { cause?: { message?: string } }).cause?.message;
    throw new Error(`Tidings: GET ${url} failed: ${String(cause)}${detail ? ` (${detail})` : ''}`, { cause });
  }
}
