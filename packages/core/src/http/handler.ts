import type { TokenAuth } from '../auth/token.js';
import { respondPoll } from '../delivery/poll.js';
import { SseStream } from '../delivery/sse-stream.js';
import type { Hub } from '../hub/hub.js';
import { isTidingsError, TidingsError } from '../wire/errors.js';
import { parseRequest } from '../wire/request.js';
import { assertTopic } from '../wire/topic.js';
import type { RealtimeRequest, ResponseSink } from '../wire/transport.js';
import { type CorsOptions, createCors } from './cors.js';

/** May be sync or async. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Per-endpoint options: who may subscribe to what. `Ctx` is the adapter's native request
 * object (Express `req`, Koa `ctx`, Fastify `request`, a fetch `Request`…).
 */
export interface HandlerOptions<Ctx> {
  /**
   * Decides the topics of a request. Receives the topics named in the query and returns
   * the ones to subscribe; e.g. `(req) => [\`user:${req.user.id}\`]` needs no query at all.
   * Default: the query's topics.
   */
  topics?: (ctx: Ctx, requested: string[]) => MaybePromise<string[]>;
  /**
   * Allows or denies a subscription to `topics` (after `topics`). Return `false` (or throw a
   * `TidingsError`) to deny with 403. Default: every valid topic is allowed.
   */
  authorize?: (ctx: Ctx, topics: string[]) => MaybePromise<boolean>;
  /**
   * Topics whose poll responses may be cached by shared caches (`Cache-Control: public,
   * max-age=<publicMaxAgeSeconds>`); a request is public only if all its topics are and it
   * has a cursor (a start position must be fresh). Default: none — responses are
   * `private, no-store`.
   */
  publicTopics?: (topic: string) => boolean;
  /**
   * Signed subscription tokens (`tokenAuth({ secret })`): every request needs a valid token
   * (401 otherwise), may only subscribe to topics it grants (403 otherwise), and an open
   * stream ends with `event: auth-expired` when the token expires. A request naming no
   * topic subscribes to the token's exact topics. Default: no token needed.
   */
  auth?: TokenAuth;
  /**
   * The key of per-key connection limits (`limits.maxConnectionsPerKey`): a user id, or the
   * client IP as the framework resolves it (Express `req.ip` honours `trust proxy`; behind a
   * proxy the socket address is the proxy's). Default: no per-key limit.
   */
  connectionKey?: (ctx: Ctx) => string | undefined;
  /** Cross-origin access: allowed origins, credentials, preflight. Default: no CORS headers. */
  cors?: CorsOptions;
}

/** Serves one request on a hub: SSE stream, poll or long-poll, or a JSON error. */
export type RealtimeHandler<Ctx> = (req: RealtimeRequest, sink: ResponseSink, ctx: Ctx) => Promise<void>;

/** How an adapter takes the errors of the app's own callbacks; see {@link createHandler}. */
export interface ErrorRouting {
  /**
   * Reject with an error thrown by the app's `topics`, `authorize`, `connectionKey`,
   * `publicTopics` or `auth` (anything but a `TidingsError`), so the framework's error
   * handling answers and logs it: Express `next(err)`, Koa's `error` event, Fastify's error
   * handler. Default false: answer `500 internal` and log it with the hub's logger.
   */
  readonly rethrow: boolean;
}

/**
 * Builds the framework-agnostic request handler every adapter wraps. Bad input ends as a
 * JSON error response, before any stream opens. An unexpected error is reported to `onError`
 * once; with `routing.rethrow`, one from the app's callbacks rejects the handler instead of
 * answering (the framework logs it), otherwise it answers `500 internal` and is logged.
 */
export function createHandler<Ctx>(
  hub: Hub,
  options: HandlerOptions<Ctx> = {},
  routing: ErrorRouting = { rethrow: false },
): RealtimeHandler<Ctx> {
  const { maxTopicsPerRequest, publicMaxAgeSeconds } = hub.options;
  const { limiter } = hub;
  const cors = options.cors ? createCors(options.cors) : undefined;
  return async (rawReq, rawSink, ctx) => {
    const sink = cors ? cors.wrap(rawReq, rawSink) : rawSink;
    /** Set once the app's callbacks have run: past it, an error is Tidings' or the broker's. */
    let answering = false;
    try {
      if (cors && rawReq.method === 'OPTIONS') return cors.preflight(rawReq, rawSink);
      if (hub.closed) throw new TidingsError('shutting-down', 'The server is shutting down; retry shortly');
      if (rawReq.method !== 'GET') throw new TidingsError('method-not-allowed', 'Use GET');
      // The client may leave during any asynchronous step, here or in middleware before this
      // handler: once it has, nothing more is run or registered, and there is no one to answer.
      if (sink.closed) return;
      const req = limiter.checkLengths(rawReq);
      const request = parseRequest(req, maxTopicsPerRequest);
      const claims = options.auth ? await options.auth.verify(req) : undefined;
      if (sink.closed) return;
      const named = claims && request.topics.length === 0 ? claims.grant.exactTopics() : request.topics;
      const topics = options.topics ? unique(await options.topics(ctx, named)) : named;
      if (sink.closed) return;
      if (topics.length === 0)
        throw new TidingsError('missing-topic', 'Name at least one topic: ?topic=<name>');
      if (topics.length > maxTopicsPerRequest) {
        throw new TidingsError(
          'too-many-topics',
          `Too many topics: at most ${maxTopicsPerRequest} per request`,
        );
      }
      for (const topic of topics) assertTopic(topic);
      const denied = claims && topics.find((topic) => !claims.grant.allows(topic));
      if (denied) throw new TidingsError('forbidden', `The token does not grant topic ${denied}`);
      if (options.authorize && !(await options.authorize(ctx, topics))) {
        throw new TidingsError('forbidden', 'Not allowed to subscribe to these topics');
      }
      if (sink.closed) return;
      const held = request.sse || request.waitSeconds > 0;
      const key = held ? options.connectionKey?.(ctx) : undefined;
      // A poll without a cursor answers "where is now": a shared cache's older answer would
      // hand a fresh subscriber events from before it subscribed, so it is never public.
      const isPublic =
        !request.sse &&
        request.cursor !== null &&
        options.publicTopics !== undefined &&
        topics.every(options.publicTopics);
      answering = true;
      const release = held ? limiter.acquire(request.sse ? 'sse' : 'longPoll', key) : noop;
      if (request.sse) {
        sink.onClose(release);
        try {
          await SseStream.open(hub, req, sink, topics, request.cursor, claims?.expiresAt);
        } catch (error) {
          release();
          throw error;
        }
      } else {
        const cacheControl = isPublic ? `public, max-age=${publicMaxAgeSeconds}` : 'private, no-store';
        try {
          await respondPoll(hub, sink, request, topics, cacheControl);
        } finally {
          release();
        }
      }
    } catch (error) {
      if (isTidingsError(error)) {
        limiter.refused(error.code);
        if (error.code === 'too-many-requests') hub.count('limitRejections');
      } else if (routing.rethrow && !answering) {
        // The app's callback threw: the framework's error handling answers and logs it.
        hub.lifecycle.failed(error, { source: 'callback' }, { log: false });
        throw error;
      } else {
        // A 500 must not vanish: it reaches onError and the logger (once, even if a stream reported it).
        hub.lifecycle.failed(error, { source: answering ? 'request' : 'callback' });
      }
      sendError(sink, error, limiter.limits.retryAfterSeconds);
    }
  };
}

function noop(): void {}

/** Answers with `{ "error": { "code", "message" } }`; unexpected errors become a bare 500. */
export function sendError(sink: ResponseSink, error: unknown, retryAfterSeconds = 5): void {
  const known = isTidingsError(error)
    ? error
    : new TidingsError('internal', 'Internal error', { cause: error });
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  };
  if (known.code === 'method-not-allowed') headers.allow = 'GET';
  if (known.status === 503 || known.status === 429) headers['retry-after'] = String(retryAfterSeconds);
  try {
    sink.writeHead(known.status, headers);
    sink.end(JSON.stringify(known.toJSON()));
  } catch {
    sink.destroy();
  }
}

function unique(topics: readonly string[]): string[] {
  if (!Array.isArray(topics))
    throw new TypeError('Tidings: the topics() option must return an array of topic names');
  return [...new Set(topics)];
}
