import type { Hub } from '../hub/hub.js';
import type { RealtimeRequest, ResponseSink } from '../wire/transport.js';
import { createHandler, type HandlerOptions } from './handler.js';

/** Serves one web-standard request; resolves to the response as soon as its head is decided. */
export type FetchHandler<Ctx> = (request: Request, ctx: Ctx) => Promise<Response>;

/** Bytes a streamed body queues before `write` reports backpressure. */
const HIGH_WATER_MARK = 64 * 1024;
/** Statuses whose response must not have a body. */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);
const encoder = new TextEncoder();

/**
 * Reads a fetch `Request` through the core's {@link RealtimeRequest} view. The fetch API
 * does not expose the HTTP version; the runtime owns the connection and its headers, so
 * the core sends no `Connection` header.
 */
export function fromFetchRequest(request: Request): RealtimeRequest {
  return {
    method: request.method,
    url: request.url,
    httpVersion: '',
    header: (name) => request.headers.get(name) ?? undefined,
  };
}

/**
 * A sink that produces a fetch `Response`: a complete answer (poll, 304, error) becomes a
 * plain body; the first streamed chunk (SSE) turns it into a `ReadableStream` body, with
 * backpressure from the stream's `desiredSize`. The response is over when the request's
 * `signal` aborts or the runtime cancels the body.
 */
export class WebResponseSink implements ResponseSink {
  private head: { status: number; headers: Record<string, string> } = { status: 500, headers: {} };
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private readonly closeCallbacks: Array<() => void> = [];
  /** Called by the body's next pull: the reader made room after `write` returned false. */
  private drainCallback: (() => void) | undefined;
  private over = false;

  /** `respond` receives the response once; `signal` tells when the client is gone. */
  constructor(
    private readonly respond: (response: Response) => void,
    signal: AbortSignal,
  ) {
    if (signal.aborted) this.over = true;
    else signal.addEventListener('abort', () => this.finish(), { once: true });
  }

  writeHead(status: number, headers: Record<string, string>): void {
    this.head = { status, headers };
  }

  write(chunk: Uint8Array): boolean {
    const controller = this.controller ?? this.openStream();
    if (this.over) return true;
    controller.enqueue(chunk);
    return (controller.desiredSize ?? 0) > 0;
  }

  get bufferedBytes(): number {
    const desired = this.controller?.desiredSize;
    return desired == null ? 0 : HIGH_WATER_MARK - desired;
  }

  end(body?: string): void {
    const { controller } = this;
    if (!controller) {
      const { status, headers } = this.head;
      this.respond(new Response(NULL_BODY_STATUSES.has(status) ? null : (body ?? null), { status, headers }));
    } else if (!this.over) {
      if (body) controller.enqueue(encoder.encode(body));
      controller.close();
    }
    this.finishSoon();
  }

  destroy(): void {
    if (!this.controller) this.respond(new Response(null, { status: 500 }));
    else if (!this.over)
      this.controller.error(
        new Error('Tidings: response aborted by the server (slow consumer or write error)'),
      );
    this.finishSoon();
  }

  get closed(): boolean {
    return this.over;
  }

  onClose(callback: () => void): void {
    if (this.over) callback();
    else this.closeCallbacks.push(callback);
  }

  onDrain(callback: () => void): void {
    this.drainCallback = callback;
  }

  private openStream(): ReadableStreamDefaultController<Uint8Array> {
    let opened: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          opened = controller;
        },
        // The stream pulls whenever its queue is below the high-water mark: that is `drain`.
        pull: () => {
          const callback = this.drainCallback;
          this.drainCallback = undefined;
          callback?.();
        },
        cancel: () => this.finish(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_MARK }),
    );
    this.controller = opened!;
    const { status, headers } = this.head;
    this.respond(new Response(body, { status, headers }));
    return this.controller;
  }

  /** After the core ended the response itself: tell the callbacks once the current call is done. */
  private finishSoon(): void {
    queueMicrotask(() => this.finish());
  }

  private finish(): void {
    if (this.over) return;
    this.over = true;
    for (const callback of this.closeCallbacks.splice(0)) callback();
  }
}

/** A web-standard `(Request) => Promise<Response>` handler, for Hono, Next.js route handlers, Bun, Deno… */
export function createFetchHandler<Ctx>(hub: Hub, options: HandlerOptions<Ctx> = {}): FetchHandler<Ctx> {
  const handle = createHandler(hub, options);
  return (request, ctx) =>
    new Promise<Response>((resolve, reject) => {
      const sink = new WebResponseSink(resolve, request.signal);
      // Settled without a response only when the client left first; nobody reads this one.
      handle(fromFetchRequest(request), sink, ctx).then(
        () => resolve(new Response(null, { status: 499 })),
        reject,
      );
    });
}
