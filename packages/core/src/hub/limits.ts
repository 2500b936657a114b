import { TidingsError } from '../wire/errors.js';
import type { RealtimeRequest } from '../wire/transport.js';

/**
 * Admission limits of a hub. Each refusal is a JSON error (429 with `Retry-After`, 414 or
 * 431) and is counted; none is a crash. Defaults suit a public deployment; see SECURITY.md.
 */
export interface LimitOptions {
  /** Open SSE streams plus waiting long-polls this hub holds at once. Default 10,000. */
  maxConnections?: number;
  /**
   * Open connections per key, where the key comes from the handler's `connectionKey` (a user
   * id, or the client IP as the framework sees it behind a trusted proxy). Only applies when
   * `connectionKey` is set. Default 1,000 — generous, so one office NAT is never locked out.
   */
  maxConnectionsPerKey?: number;
  /** Waiting long-polls at once (they also count as connections). Default 5,000. */
  maxLongPolls?: number;
  /** Longest request path + query, characters (→ `414 uri-too-long`). Default 8,192. */
  maxUrlLength?: number;
  /** Longest value of any header Tidings reads, characters (→ `431 header-too-large`). Default 8,192. */
  maxHeaderLength?: number;
  /** `Retry-After` sent with `429 too-many-requests` and `503`, seconds. Default 5. */
  retryAfterSeconds?: number;
}

export type ResolvedLimits = Required<LimitOptions>;

/** Fills in the defaults; the values were checked with the hub's options (`HUB_SCHEMA`). */
export function resolveLimits(options: LimitOptions = {}): ResolvedLimits {
  return {
    maxConnections: options.maxConnections ?? 10_000,
    maxConnectionsPerKey: options.maxConnectionsPerKey ?? 1_000,
    maxLongPolls: options.maxLongPolls ?? 5_000,
    maxUrlLength: options.maxUrlLength ?? 8_192,
    maxHeaderLength: options.maxHeaderLength ?? 8_192,
    retryAfterSeconds: options.retryAfterSeconds ?? 5,
  };
}

/** A limit on the whole hub (not per client), whose first refusal is logged. */
export type HubWideLimit = 'maxConnections' | 'maxLongPolls';

/** What a connection holds while open. */
export type ConnectionKind = 'sse' | 'longPoll';

/**
 * Counts open connections in total, per kind and per key; {@link ConnectionLimiter.acquire}
 * refuses beyond the limits and returns the release to call once when the connection ends.
 * It also counts every refused request by error code.
 */
export class ConnectionLimiter {
  private open = 0;
  private longPolls = 0;
  private readonly perKey = new Map<string, number>();
  private readonly refusedByCode = new Map<string, number>();

  private readonly reachedFirst = new Set<HubWideLimit>();

  /**
   * @param onLimitReached called once per hub-wide limit, the first time it refuses a request:
   * a node at its capacity is an operator's concern, unlike one client at its per-key limit.
   */
  constructor(
    readonly limits: ResolvedLimits,
    private readonly onLimitReached: (limit: HubWideLimit, value: number) => void = () => {},
  ) {}

  /** Takes a connection slot, or throws `too-many-requests`. The returned release is idempotent. */
  acquire(kind: ConnectionKind, key: string | undefined): () => void {
    const { maxConnections, maxLongPolls, maxConnectionsPerKey } = this.limits;
    if (this.open >= maxConnections) {
      this.reached('maxConnections');
      throw new TidingsError('too-many-requests', 'The server holds its maximum of connections; retry later');
    }
    if (kind === 'longPoll' && this.longPolls >= maxLongPolls) {
      this.reached('maxLongPolls');
      throw new TidingsError('too-many-requests', 'Too many waiting long-polls; retry later');
    }
    const held = key === undefined ? 0 : (this.perKey.get(key) ?? 0);
    if (key !== undefined && held >= maxConnectionsPerKey) {
      throw new TidingsError('too-many-requests', 'Too many open connections for this client; retry later');
    }
    this.open++;
    if (kind === 'longPoll') this.longPolls++;
    if (key !== undefined) this.perKey.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      if (kind === 'longPoll') this.longPolls--;
      if (key === undefined) return;
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left > 0) this.perKey.set(key, left);
      else this.perKey.delete(key);
    };
  }

  private reached(limit: HubWideLimit): void {
    if (this.reachedFirst.has(limit)) return;
    this.reachedFirst.add(limit);
    this.onLimitReached(limit, this.limits[limit]);
  }

  /** Throws `uri-too-long` / `header-too-large` when the request exceeds the length limits. */
  checkLengths(req: RealtimeRequest): RealtimeRequest {
    const { maxUrlLength, maxHeaderLength } = this.limits;
    if (req.url.length > maxUrlLength) {
      throw new TidingsError('uri-too-long', `Request URL longer than ${maxUrlLength} characters`);
    }
    return {
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      header(name) {
        const value = req.header(name);
        if (value !== undefined && value.length > maxHeaderLength) {
          throw new TidingsError(
            'header-too-large',
            `Header ${name} longer than ${maxHeaderLength} characters`,
          );
        }
        return value;
      },
    };
  }

  /** Counts a refused request. */
  refused(code: string): void {
    this.refusedByCode.set(code, (this.refusedByCode.get(code) ?? 0) + 1);
  }

  /** A snapshot: open connections, waiting long-polls, distinct keys and refusals by error code. */
  snapshot(): LimiterSnapshot {
    return {
      open: this.open,
      longPolls: this.longPolls,
      keys: this.perKey.size,
      refused: Object.fromEntries(this.refusedByCode),
    };
  }
}

/** See {@link ConnectionLimiter.snapshot}. */
export interface LimiterSnapshot {
  open: number;
  longPolls: number;
  keys: number;
  refused: Record<string, number>;
}
