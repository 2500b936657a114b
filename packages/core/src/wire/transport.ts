/**
 * What an adapter hands the core: the few facts of an HTTP request it reads.
 * Header names are looked up in lower case.
 */
export interface RealtimeRequest {
  readonly method: string;
  /** Path and query (`/realtime?topic=a`); only the query is read. */
  readonly url: string;
  header(name: string): string | undefined;
  /** `'1.1'`, `'2.0'`…; decides whether `Connection: keep-alive` may be sent. */
  readonly httpVersion: string;
}

/**
 * Where the core writes a response. Adapters implement it over `ServerResponse`, an
 * HTTP/2 stream or a `ReadableStream` controller.
 */
export interface ResponseSink {
  /** Sends status and headers at once (SSE commits them before the first event). */
  writeHead(status: number, headers: Record<string, string>): void;
  /** Queues bytes; returns false when the transport's buffer is above its high-water mark. */
  write(chunk: Uint8Array): boolean;
  /** Bytes accepted by `write` but not yet handed to the network. */
  readonly bufferedBytes: number;
  /**
   * After `write` returned false: calls `callback` once, when the transport can take more
   * (node's `drain`; a web stream's next pull). Backed-up SSE streams resume writing on it.
   */
  onDrain(callback: () => void): void;
  /** Ends the response normally, after queued bytes are sent. */
  end(body?: string): void;
  /** Aborts the response at once, dropping queued bytes (a stalled client). */
  destroy(): void;
  /**
   * True once the response is over, by either side (the client hung up, or it was ended or
   * destroyed). Checked after every asynchronous step before a request is registered: a
   * client that left meanwhile gets nothing registered and no answer.
   */
  readonly closed: boolean;
  /**
   * Registers a callback for when the response is over, by either side; called once. On a
   * response that is already over ({@link ResponseSink.closed}) it is called at once.
   */
  onClose(callback: () => void): void;
}
