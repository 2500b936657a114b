import { type NodeResponse, toResponseSink } from './node.js';
import type { ResponseSink } from './transport.js';

/** How a node-based framework (Koa, Fastify) answers, for {@link toFrameworkSink}. */
export interface FrameworkResponse {
  /** Answers with a complete body through the framework, so its compression, hooks and logging apply. */
  send(status: number, headers: Record<string, string>, body: string | undefined): void;
  /** Takes the raw response out of the framework's hands (Koa `ctx.respond = false`, Fastify `reply.hijack()`). */
  release(): void;
}

/**
 * A sink for frameworks that own the response. Status and headers wait for what follows:
 * a complete answer (poll, 304, error) goes through the framework's `send`; the first
 * streamed chunk (SSE) releases the raw response and writes to it directly, so no
 * framework or compression layer can buffer the stream.
 */
export function toFrameworkSink(res: NodeResponse, framework: FrameworkResponse): ResponseSink {
  const raw = toResponseSink(res);
  let head: { status: number; headers: Record<string, string> } = { status: 500, headers: {} };
  let streaming = false;
  return {
    writeHead(status, headers) {
      head = { status, headers };
    },
    write(chunk) {
      if (!streaming) {
        streaming = true;
        framework.release();
        raw.writeHead(head.status, head.headers);
      }
      return raw.write(chunk);
    },
    get bufferedBytes() {
      return raw.bufferedBytes;
    },
    end(body) {
      if (streaming) raw.end(body);
      else framework.send(head.status, head.headers, body);
    },
    destroy() {
      if (!streaming) framework.release();
      raw.destroy();
    },
    onClose: (callback) => raw.onClose(callback),
  };
}
