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

/** What a framework sink holds until the stream starts: its answer so far, the framework and its request object. */
interface Pending<Ctx> {
  status: number;
  headers: Record<string, string>;
  readonly framework: FrameworkResponse<Ctx>;
  readonly ctx: Ctx;
}

/**
 * Methods on the prototype, and everything but the raw sink dropped once streaming: an open
 * stream keeps one two-field object here, not the framework's objects or an empty header record.
 */
class FrameworkSink<Ctx> implements ResponseSink {
  /** Until the stream starts; `undefined` while streaming (and once answered). */
  private pending: Pending<Ctx> | undefined;

  constructor(
    private readonly raw: ResponseSink,
    framework: FrameworkResponse<Ctx>,
    ctx: Ctx,
  ) {
    this.pending = { status: 500, headers: {}, framework, ctx };
  }

  /** Kept for the answer or the stream's head; once either went out, there is nothing to change. */
  writeHead(status: number, headers: Record<string, string>): void {
    if (!this.pending) return;
    this.pending.status = status;
    this.pending.headers = headers;
  }

  write(chunk: Uint8Array): boolean {
    const pending = this.release();
    if (pending) this.raw.writeHead(pending.status, pending.headers);
    return this.raw.write(chunk);
  }

  get bufferedBytes(): number {
    return this.raw.bufferedBytes;
  }

  onDrain(callback: () => void): void {
    this.raw.onDrain(callback);
  }

  end(body?: string): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) pending.framework.send(pending.ctx, pending.status, pending.headers, body);
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

  /** Hands the raw response over (once) and forgets the pending answer, which it returns. */
  private release(): Pending<Ctx> | undefined {
    const pending = this.pending;
    if (!pending) return undefined;
    this.pending = undefined;
    pending.framework.release(pending.ctx);
    return pending;
  }
}
