/**
 * A refusal from the server (`{ "error": { "code", "message" } }`, see PROTOCOL.md §5).
 * 4xx other than 408/429 is fatal — retrying would get the same answer — and closes the
 * subscription; everything else is retried.
 */
export class TidingsHttpError extends Error {
  override readonly name = 'TidingsHttpError';

  constructor(
    /** HTTP status. */
    readonly status: number,
    /** The protocol's error code, e.g. `invalid-topic`, `forbidden`; `http-<status>` when the body had none. */
    readonly code: string,
    message: string,
    /** The server's `Retry-After`, ms, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Whether retrying cannot help. */
  get fatal(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }

  /** Reads the error body of a non-2xx response. */
  static async from(response: Response): Promise<TidingsHttpError> {
    let code = `http-${response.status}`;
    let message = `HTTP ${response.status}`;
    try {
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // not our JSON (a proxy's HTML page): keep the status
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    return new TidingsHttpError(
      response.status,
      code,
      message,
      retryAfter > 0 ? retryAfter * 1000 : undefined,
    );
  }
}
