import {
  type AdapterOptions,
  check,
  createHandler,
  type FrameworkResponse,
  type RealtimeApi,
  realtimeApi,
  toFrameworkSink,
  toRealtimeRequest,
  wholeNumber,
} from '@tidings/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';

/** Options of the {@link realtime} plugin; `topics`/`authorize` receive the Fastify request. */
export interface RealtimeOptions extends AdapterOptions<FastifyRequest> {
  /** Where the endpoint answers, relative to the registering context's prefix. Default `/realtime`. */
  prefix?: string;
  /** On `app.close()`, spread the end of open streams over this many ms (see `Hub.close`). Default 0. */
  closeGraceMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The Tidings hub API of this context: `publish`, `close`, `hub`. A decorator cannot be
     * generic: type `publish` with your event map as `app.realtime as RealtimeApi<Events>`.
     */
    realtime: RealtimeApi;
  }
}

/** Whole answers through `reply.send`; streams take `reply.raw` after `reply.hijack()`. */
const fastifyResponse: FrameworkResponse<FastifyReply> = {
  send: (reply, status, headers, body) => reply.code(status).headers(headers).send(body),
  release: (reply) => reply.hijack(),
};

/** Fastify's own register options pass through; `prefix` is read by the plugin (it is not encapsulated). */
const FASTIFY = {
  where: 'app.register(realtime)',
  schema: {
    prefix: check("a path starting with '/'", (value) => typeof value === 'string' && value.startsWith('/')),
    closeGraceMs: wholeNumber('milliseconds'),
    logLevel: check('a log level', (value) => typeof value === 'string'),
    logSerializers: check('an object of serializers', (value) => typeof value === 'object'),
  },
};

async function plugin(fastify: FastifyInstance, options: RealtimeOptions): Promise<void> {
  // Tidings logs through Fastify's logger unless given one (a shared hub keeps its own).
  const withLogger =
    options.hub === undefined && options.logger === undefined ? { ...options, logger: fastify.log } : options;
  const api = realtimeApi(withLogger, FASTIFY);
  // A throwing topics()/authorize()/… is thrown from the route: Fastify's error handler answers it and request.log logs it.
  const handle = createHandler<FastifyRequest>(api.hub, options, { rethrow: true });
  fastify.decorate('realtime', api);
  // preClose, not onClose: Fastify closes the server before onClose hooks, and the server waits for open streams.
  fastify.addHook('preClose', () => api.close({ graceMs: options.closeGraceMs }));
  await fastify.register(
    async (routes) => {
      // The endpoint reads no body: any method but GET gets the protocol's 405, never a parser's 415.
      routes.removeAllContentTypeParsers();
      routes.addContentTypeParser('*', (_request, _payload, done) => done(null));
      routes.all('/', async (request: FastifyRequest, reply: FastifyReply) => {
        await handle(
          toRealtimeRequest(request.raw),
          toFrameworkSink(reply.raw, fastifyResponse, reply),
          request,
        );
        // Nothing sent: the client left during a long-poll; there is no one to answer.
        if (!reply.sent) reply.hijack();
        return reply;
      });
    },
    { prefix: options.prefix ?? '/realtime' },
  );
}

/**
 * Tidings for Fastify 5, HTTP/1.1 and `http2: true`:
 *
 * ```ts
 * await app.register(realtime, { prefix: '/realtime' });
 * await app.realtime.publish('news', { title: 'Hello' });
 * ```
 *
 * Encapsulation-aware: `app.realtime` is decorated on the context that registers the plugin
 * (once per context), and the route is registered under its prefix. Poll and error responses
 * go through `reply.send` (hooks, compression, logging); an SSE stream calls `reply.hijack()`
 * and writes to `reply.raw`, so no `onSend` hook or compression can buffer it (`onRequest`,
 * `preHandler` and `onResponse` still run). `app.close()` closes the hub first (`preClose`),
 * ending open streams so the server can close.
 *
 * Tidings logs with `fastify.log` unless given a `logger`. An error thrown by `topics`,
 * `authorize`, `connectionKey`, `publicTopics` or `auth` is thrown from the route, so the
 * context's error handler (`setErrorHandler`) answers it and `request.log` logs it (and
 * `onError` is called).
 */
export const realtime = fastifyPlugin(plugin, { fastify: '5.x', name: '@tidings/fastify' });
export default realtime;

export type { EventMap, HubOptions, PublishOptions, RealtimeApi } from '@tidings/core';
export { createHub, Hub, TidingsError } from '@tidings/core';
