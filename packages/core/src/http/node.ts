import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Writable } from 'node:stream';
import type { Hub } from '../hub/hub.js';
import { chunkedFraming } from '../wire/sse-encoder.js';
import type { RealtimeRequest, ResponseSink } from '../wire/transport.js';
import { createHandler, type ErrorRouting, type HandlerOptions } from './handler.js';

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
  return new NodeSink(res as HttpResponse);
}

/** The parts of an HTTP/1 `ServerResponse` the sink reads, `flush` as compression middleware adds it. */
type HttpResponse = ServerResponse & { flush?: () => void; chunkedEncoding?: boolean };

/**
 * A response sink with its methods on the prototype: an open SSE stream retains one small
 * object, no closures. Once an HTTP/1.1 chunked response has its head out, frames built by
 * `encodeFrame` go straight to the socket already chunk-framed — the same buffer for every
 * subscriber — instead of through `ServerResponse.write`, which frames and corks per call.
 */
class NodeSink implements ResponseSink {
  /** The socket that takes pre-framed chunks; `null` when that is not safe, `undefined` until known. */
  private direct: Writable | null | undefined;

  constructor(private readonly res: HttpResponse) {}

  writeHead(status: number, headers: Record<string, string>): void {
    this.res.writeHead(status, headers);
  }

  write(chunk: Uint8Array): boolean {
    const { res, direct } = this;
    if (direct) {
      const framed = chunkedFraming(chunk);
      const socketCorks = direct.writableCorked;
      // `res.writableCorked` counts the socket's corks too; any extra is a cork on the response.
      if (framed !== undefined && res.writableCorked === socketCorks) {
        if (socketCorks === 0 && !firstWriteThisTick(direct)) corkUntilNextTick(direct);
        return direct.write(framed);
      }
    }
    const accepted = res.write(chunk);
    res.flush?.();
    if (direct === undefined) {
      this.direct = directSocket(res);
      flattenHead(res);
    }
    return accepted;
  }

  get bufferedBytes(): number {
    return this.res.writableLength;
  }

  onDrain(callback: () => void): void {
    // Pre-framed chunks go to the socket, so it is the socket that drains.
    (this.direct ?? this.res).once('drain', callback);
  }

  end(body?: string): void {
    this.res.end(body);
  }

  destroy(): void {
    this.res.destroy();
  }

  get closed(): boolean {
    // An HTTP/1 response is `closed` once it emitted 'close'; an HTTP/2 one has no such flag, its stream has.
    const { stream } = this.res as unknown as Partial<Http2ServerResponse>;
    if (stream) return stream.destroyed;
    const { res } = this;
    return res.closed || res.destroyed || (res.socket === null && res.req.socket.destroyed);
  }

  onClose(callback: () => void): void {
    // 'close' is emitted once: a callback registered after it would never run. Being emitted
    // once, it needs no `once` wrapper (a bound function and a state object per open stream).
    if (this.closed) callback();
    else if (this.res.socket === null) this.onQueuedClose(callback);
    else this.res.on('close', callback);
  }

  /**
   * A pipelined HTTP/1 response queued behind another has no socket yet, and node never emits
   * 'close' on it when the connection dies: its request's 'close' (then destroyed) tells.
   */
  private onQueuedClose(callback: () => void): void {
    const { res } = this;
    const once = () => {
      if (!this.closed) return;
      res.off('close', once);
      res.req.off('close', once);
      callback();
    };
    res.once('close', once);
    res.req.once('close', once);
  }
}

/**
 * Node builds a response head by concatenating each header line piece by piece, and the
 * response keeps that string (`_header`) for as long as it lives: a rope of ~40 small string
 * objects, over 1 KB per open stream. Reading one character makes V8 flatten it into one
 * sequential string; the pieces become garbage. Nothing changes for node: same string value.
 */
function flattenHead(res: HttpResponse): void {
  const head: unknown = (res as { _header?: unknown })._header;
  if (typeof head === 'string') head.charCodeAt(0);
}

/** Sockets corked by this tick's writes: a burst of events leaves each socket as one `writev`. */
const corked: Writable[] = [];

function corkUntilNextTick(socket: Writable): void {
  socket.cork();
  if (corked.push(socket) === 1) process.nextTick(uncorkAll);
}

function uncorkAll(): void {
  for (const socket of corked) socket.uncork();
  corked.length = 0;
}

/** The tick a socket last took a pre-framed chunk in, kept on the socket (no per-tick collection). */
const WRITTEN_IN = Symbol('tidings.writtenIn');
/** Counts ticks that wrote pre-framed chunks; advanced on the next tick after such a write. */
let tick = 0;
let tickEnding = false;

/**
 * Whether this is the socket's first pre-framed chunk of this tick. The first goes out at once
 * (one `write` syscall: the common case of one event per subscriber, as with per-user topics);
 * only a second chunk in the same tick corks the socket, so a burst still leaves as one `writev`
 * after the first chunk, and a lone event does not pay for cork, uncork and a one-chunk `writev`.
 */
function firstWriteThisTick(socket: Writable & { [WRITTEN_IN]?: number }): boolean {
  if (socket[WRITTEN_IN] === tick) return false;
  socket[WRITTEN_IN] = tick;
  if (!tickEnding) {
    tickEnding = true;
    process.nextTick(endTick);
  }
  return true;
}

function endTick(): void {
  tick++;
  tickEnding = false;
}

/**
 * The socket under `res` if pre-framed chunks may be written to it directly: plain HTTP/1.1
 * chunked encoding, head already sent, nothing queued inside the response, and `write` not
 * wrapped (a compression middleware replaces it). Otherwise `null`: every write goes
 * through the response.
 */
function directSocket(res: HttpResponse): Writable | null {
  const socket = res.socket;
  if (!socket || !res.headersSent || res.chunkedEncoding !== true || res.flush !== undefined) return null;
  if (res.writableLength !== socket.writableLength || !isNodeWrite(res)) return null;
  return socket;
}

/** Whether `res.write` is node's own `OutgoingMessage.prototype.write`, not a wrapper. */
function isNodeWrite(res: HttpResponse): boolean {
  let owner: object | null = res;
  while (owner !== null && !Object.hasOwn(owner, 'write')) owner = Object.getPrototypeOf(owner);
  return owner !== null && owner.constructor.name === 'OutgoingMessage';
}

/** A request handler for `node:http`, `node:https` and `node:http2`'s compatibility API. */
export function createNodeHandler<Ctx>(
  hub: Hub,
  options: HandlerOptions<Ctx> = {},
  routing?: ErrorRouting,
): NodeHandler<Ctx> {
  const handle = createHandler(hub, options, routing);
  return (req, res, ctx) => handle(toRealtimeRequest(req), toResponseSink(res), ctx);
}
