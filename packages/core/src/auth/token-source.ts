import type { RealtimeRequest } from '../wire/transport.js';

/** Where a request may carry its subscription token. */
export interface TokenSourceOptions {
  /** Name of a cookie holding the token. Default: cookies are not read. */
  cookie?: string;
  /**
   * Query parameter holding the token, for clients that cannot set headers (a native
   * `EventSource`). Tokens in URLs can end up in access logs: keep them short-lived.
   * `false` disables it. Default `token`.
   */
  queryParameter?: string | false;
}

const BEARER_SCHEME = /^Bearer(?:[ \t]|$)/i;
const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)[ \t]*$/i;

/**
 * The token of a request: `Authorization: Bearer <token>`, else the cookie, else the query
 * parameter. Returns `undefined` when none is present. An `Authorization` header of another
 * scheme (`Basic`, which browsers send on every request to a site behind HTTP auth) is not
 * ours and is ignored; a malformed `Bearer` one yields `''` (401), never a fallback.
 */
export function readToken(req: RealtimeRequest, options: TokenSourceOptions): string | undefined {
  const authorization = req.header('authorization');
  if (authorization && BEARER_SCHEME.test(authorization)) return BEARER.exec(authorization)?.[1] ?? '';
  if (options.cookie) {
    const value = readCookie(req.header('cookie'), options.cookie);
    if (value) return value;
  }
  const parameter = options.queryParameter ?? 'token';
  if (parameter === false) return undefined;
  const query = req.url.indexOf('?');
  if (query === -1) return undefined;
  return new URLSearchParams(req.url.slice(query + 1)).get(parameter) ?? undefined;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals === -1 || pair.slice(0, equals).trim() !== name) continue;
    const value = pair.slice(equals + 1).trim();
    return value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}
