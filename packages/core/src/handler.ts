import { isTidingsError, TidingsError } from './errors.js';
import type { Hub } from './hub.js';
import { respondPoll } from './poll.js';
import { parseRequest } from './request.js';
import { SseStream } from './sse-stream.js';
import { assertTopic } from './topic.js';
import type { RealtimeRequest, ResponseSink } from './transport.js';

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
   * max-age=<publicMaxAgeSeconds>`); a request is public only if all its topics are.
   * Default: none — responses are `private, no-store`.
   */
  publicTopics?: (topic: string) => boolean;
}

/** Serves one request on a hub: SSE stream, poll or long-poll, or a JSON error. */
export type RealtimeHandler<Ctx> = (req: RealtimeRequest, sink: ResponseSink, ctx: Ctx) => Promise<void>;

/**
 * Builds the framework-agnostic request handler every adapter wraps. It never throws:
 * bad input ends as a JSON error response, before any stream opens.
 */
export function createHandler<Ctx>(hub: Hub, options: HandlerOptions<Ctx> = {}): RealtimeHandler<Ctx> {
  const { maxTopicsPerRequest, publicMaxAgeSeconds } = hub.options;
  return async (req, sink, ctx) => {
    try {
      if (hub.closed) throw new TidingsError('shutting-down', 'The server is shutting down; retry shortly');
      if (req.method !== 'GET') throw new TidingsError('method-not-allowed', 'Use GET');
      const request = parseRequest(req, maxTopicsPerRequest);
      const topics = options.topics ? unique(await options.topics(ctx, request.topics)) : request.topics;
      if (topics.length === 0)
        throw new TidingsError('missing-topic', 'Name at least one topic: ?topic=<name>');
      if (topics.length > maxTopicsPerRequest) {
        throw new TidingsError(
          'too-many-topics',
          `Too many topics: at most ${maxTopicsPerRequest} per request`,
        );
      }
      for (const topic of topics) assertTopic(topic);
      if (options.authorize && !(await options.authorize(ctx, topics))) {
        throw new TidingsError('forbidden', 'Not allowed to subscribe to these topics');
      }
      if (request.sse) {
        await SseStream.open(hub, req, sink, topics, request.cursor);
      } else {
        const isPublic = options.publicTopics !== undefined && topics.every(options.publicTopics);
        const cacheControl = isPublic ? `public, max-age=${publicMaxAgeSeconds}` : 'private, no-store';
        await respondPoll(hub, sink, request, topics, cacheControl);
      }
    } catch (error) {
      sendError(sink, error);
    }
  };
}

/** Answers with `{ "error": { "code", "message" } }`; unexpected errors become a bare 500. */
export function sendError(sink: ResponseSink, error: unknown): void {
  const known = isTidingsError(error)
    ? error
    : new TidingsError('internal', 'Internal error', { cause: error });
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  };
  if (known.code === 'method-not-allowed') headers.allow = 'GET';
  if (known.status === 503) headers['retry-after'] = '5';
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
