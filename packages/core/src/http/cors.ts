import type { RealtimeRequest, ResponseSink } from '../wire/transport.js';

/** Cross-origin access to the endpoint (browsers on another origin). */
export interface CorsOptions {
  /**
   * Origins allowed to read responses: an exact list (`['https://app.example.com']`), a
   * function, or `'*'` for any origin (only without `credentials`).
   */
  origins: readonly string[] | '*' | ((origin: string) => boolean);
  /** Allow cookies / `Authorization` across origins (`Access-Control-Allow-Credentials`). Default false. */
  credentials?: boolean;
  /** Request headers a cross-origin poll may send, besides the protocol's own. */
  allowHeaders?: readonly string[];
  /** How long browsers may cache a preflight answer, seconds. Default 600. */
  maxAgeSeconds?: number;
}

/** Request headers the protocol uses; a preflight may always ask for these. */
const PROTOCOL_HEADERS = ['last-event-id', 'prefer', 'if-none-match', 'authorization', 'cache-control'];
/** Response headers a cross-origin client may read. */
const EXPOSED =
  'Tidings-Cursor, Tidings-Retry-After-Ms, Tidings-Connection-Id, ETag, Preference-Applied, Retry-After';

/** A validated CORS configuration; see {@link createCors}. */
export interface Cors {
  /** Answers an `OPTIONS` preflight; always 204, with CORS headers only for an allowed origin. */
  preflight(req: RealtimeRequest, sink: ResponseSink): void;
  /** The sink, adding CORS headers to whatever status and headers are sent through it. */
  wrap(req: RealtimeRequest, sink: ResponseSink): ResponseSink;
}

/** Validates `options` (throws a `TypeError` for `'*'` with credentials) and builds the policy. */
export function createCors(options: CorsOptions): Cors {
  const { origins, credentials = false, maxAgeSeconds = 600 } = options;
  if (credentials && (origins === '*' || (Array.isArray(origins) && origins.includes('*')))) {
    throw new TypeError('Tidings: CORS origins "*" cannot be combined with credentials; list the origins');
  }
  const allowed = new Set(Array.isArray(origins) ? origins : []);
  const allowHeaders = new Set([
    ...PROTOCOL_HEADERS,
    ...(options.allowHeaders ?? []).map((h) => h.toLowerCase()),
  ]);
  const isAllowed = (origin: string) =>
    origins === '*' || (typeof origins === 'function' ? origins(origin) === true : allowed.has(origin));

  /** The CORS response headers for `origin`, or none when it is not allowed. */
  const headersFor = (origin: string | undefined): Record<string, string> => {
    if (origin === undefined || !isAllowed(origin)) return {};
    const headers: Record<string, string> = {
      'access-control-allow-origin': origins === '*' ? '*' : origin,
    };
    if (credentials) headers['access-control-allow-credentials'] = 'true';
    return headers;
  };

  const vary = origins === '*' ? undefined : 'Origin';
  return {
    preflight(req, sink) {
      const headers = headersFor(req.header('origin'));
      if (headers['access-control-allow-origin'] && req.header('access-control-request-method') === 'GET') {
        const requested = (req.header('access-control-request-headers') ?? '')
          .split(',')
          .map((name) => name.trim().toLowerCase())
          .filter((name) => name !== '');
        const granted = requested.filter((name) => allowHeaders.has(name));
        headers['access-control-allow-methods'] = 'GET';
        if (granted.length > 0) headers['access-control-allow-headers'] = granted.join(', ');
        headers['access-control-max-age'] = String(maxAgeSeconds);
      } else {
        delete headers['access-control-allow-origin'];
        delete headers['access-control-allow-credentials'];
      }
      if (vary) headers.vary = `${vary}, Access-Control-Request-Method, Access-Control-Request-Headers`;
      sink.writeHead(204, headers);
      sink.end();
    },
    wrap(req, sink) {
      const cors = headersFor(req.header('origin'));
      if (cors['access-control-allow-origin']) cors['access-control-expose-headers'] = EXPOSED;
      return {
        writeHead(status, headers) {
          const merged = { ...headers, ...cors };
          if (vary) merged.vary = headers.vary ? `${headers.vary}, ${vary}` : vary;
          sink.writeHead(status, merged);
        },
        write: (chunk) => sink.write(chunk),
        get bufferedBytes() {
          return sink.bufferedBytes;
        },
        get closed() {
          return sink.closed;
        },
        end: (body) => sink.end(body),
        destroy: () => sink.destroy(),
        onClose: (callback) => sink.onClose(callback),
        onDrain: (callback) => sink.onDrain(callback),
      };
    },
  };
}
