/** Machine-readable error codes. They appear on the wire as `{ "error": { "code", "message" } }`. */
export type ErrorCode =
  | 'invalid-topic'
  | 'invalid-event-name'
  | 'missing-topic'
  | 'too-many-topics'
  | 'invalid-cursor'
  | 'invalid-request'
  | 'event-too-large'
  | 'forbidden'
  | 'unauthorized'
  | 'not-found'
  | 'method-not-allowed'
  | 'too-many-requests'
  | 'header-too-large'
  | 'uri-too-long'
  | 'shutting-down'
  | 'broker-unavailable'
  /**
   * A publish in flight when the broker connection failed, and the broker did not answer again
   * in time: it may have been stored, and is then delivered once the broker is back. Every other
   * rejected publish was not stored.
   */
  | 'publish-outcome-unknown'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  'invalid-topic': 400,
  'invalid-event-name': 400,
  'missing-topic': 400,
  'too-many-topics': 400,
  'invalid-cursor': 400,
  'invalid-request': 400,
  'event-too-large': 413,
  forbidden: 403,
  unauthorized: 401,
  'not-found': 404,
  'method-not-allowed': 405,
  'too-many-requests': 429,
  'header-too-large': 431,
  'uri-too-long': 414,
  'shutting-down': 503,
  'broker-unavailable': 503,
  'publish-outcome-unknown': 503,
  internal: 500,
};

/**
 * The one error type Tidings throws. `code` is stable and documented in PROTOCOL.md;
 * `status` is the HTTP status the error maps to when it ends a request.
 */
export class TidingsError extends Error {
  override readonly name = 'TidingsError';
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = STATUS[code];
  }

  /** The JSON body sent to the client. */
  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Whether `value` is a {@link TidingsError}, also across duplicated package copies. */
export function isTidingsError(value: unknown): value is TidingsError {
  return value instanceof TidingsError || (value instanceof Error && value.name === 'TidingsError');
}
