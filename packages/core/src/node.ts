import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { createHandler, type HandlerOptions } from './handler.js';
import type { Hub } from './hub.js';
import type { RealtimeRequest, ResponseSink } from './transport.js';

/** A request of `node:http`, `node:https` or the `node:http2` compatibility API. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;
/** A response of `node:http`, `node:https` or the `node:http2` compatibility API. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** Serves one request on a node response; resolves when the response is over or handed off. */
export type NodeHandler<Ctx> = (req: NodeRequest, res: NodeResponse, ctx: Ctx) => Promise<void>;

/** Reads a node request through the core's {@link RealtimeRequest} view. */
export function toRealtimeRequest(req: NodeRequest): RealtimeRequest {
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    httpVersion: req.httpVersion,
    header(name) {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * Writes through a node response. Calls `res.flush()` when a compression middleware added
 * it, so nothing sits in a gzip buffer.
 */
export function toResponseSink(res: NodeResponse): ResponseSink {
  const out = res as ServerResponse & { flush?: () => void };
  const flush = typeof out.flush === 'function' ? () => out.flush?.() : undefined;
  return {
    writeHead(status, headers) {
      out.writeHead(status, headers);
      out.flushHeaders();
    },
    write(chunk) {
      const accepted = out.write(chunk);
      flush?.();
      return accepted;
    },
    get bufferedBytes() {
      return out.writableLength;
    },
    end(body) {
      out.end(body);
    },
    destroy() {
      out.destroy();
    },
    onClose(callback) {
      out.once('close', callback);
    },
  };
}

/** A request handler for `node:http`, `node:https` and `node:http2`'s compatibility API. */
export function createNodeHandler<Ctx>(hub: Hub, options: HandlerOptions<Ctx> = {}): NodeHandler<Ctx> {
  const handle = createHandler(hub, options);
  return (req, res, ctx) => handle(toRealtimeRequest(req), toResponseSink(res), ctx);
}
