import type { ResponseSink } from '../wire/transport.js';
import { type NodeResponse, toResponseSink } from './node.js';

/**
 * How a node-based framework (Koa, Fastify) answers, for {@link toFrameworkSink}. One object
 * per adapter; `ctx` is the framework's per-request object (Koa `ctx`, Fastify `reply`).
 */
export interface FrameworkResponse<Ctx> {
  /** Answers with a complete body through the framework, so its compression, hooks and logging apply. */
  send(ctx: Ctx, status: number, headers: Record<string, string>, body: string | undefined): void;
  /** Takes the raw response out of the framework's hands (Koa `ctx.respond = false`, Fastify `reply.hijack()`). */
  release(ctx: Ctx): void;
}

/**
 * A sink for frameworks that own the response. Status and headers wait for what follows:
 * a complete answer (poll, 304, error) goes through the framework's `send`; the first
 * streamed chunk (SSE) releases the raw response and writes to it directly, so no
 * framework or compression layer can buffer the stream.
 */
export function toFrameworkSink<Ctx>(
  res: NodeResponse,
  framework: FrameworkResponse<Ctx>,
  ctx: Ctx,
): ResponseSink {
  return new FrameworkSink(toResponseSink(res), framework, ctx);
}

/** Methods on the prototype, and the framework's objects dropped once streaming: an open stream keeps only the raw sink. */
class FrameworkSink<Ctx> implements ResponseSink {
  private status = 500;
  private headers: Record<string, string> = {};
  /** Until the stream starts: the framework and its request object; `undefined` while streaming. */
  private owner: { framework: FrameworkResponse<Ctx>; ctx: Ctx } | undefined;

  constructor(
    private readonly raw: ResponseSink,
    framework: FrameworkResponse<Ctx>,
    ctx: Ctx,
  ) {
    this.owner = { framework, ctx };
  }

  writeHead(status: number, headers: Record<string, string>): void {
    this.status = status;
    this.headers = headers;
  }

  write(chunk: Uint8Array): boolean {
    if (this.owner) {
      this.release();
      this.raw.writeHead(this.status, this.headers);
      this.headers = {};
    }
    return this.raw.write(chunk);
  }

  get bufferedBytes(): number {
    return this.raw.bufferedBytes;
  }

  onDrain(callback: () => void): void {
    this.raw.onDrain(callback);
  }

  end(body?: string): void {
    const owner = this.owner;
    this.owner = undefined;
    if (owner) owner.framework.send(owner.ctx, this.status, this.headers, body);
    else this.raw.end(body);
  }

  destroy(): void {
    this.release();
    this.raw.destroy();
  }

  get closed(): boolean {
    return this.raw.closed;
  }

  onClose(callback: () => void): void {
    this.raw.onClose(callback);
  }

  private release(): void {
    const owner = this.owner;
    this.owner = undefined;
    owner?.framework.release(owner.ctx);
  }
}
