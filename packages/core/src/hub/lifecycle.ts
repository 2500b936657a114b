import type { Connection } from './connection.js';
import type { DisconnectReason, Transport } from './stats.js';

/** Log levels Tidings uses. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * A structured logger with pino's calling convention, `logger.info({ field }, 'message')`:
 * pino itself, a pino child, or anything shaped alike. Tidings logs nothing without one.
 */
export type Logger = {
  [level in LogLevel]: (fields: Record<string, unknown>, message: string) => void;
} & {
  /** pino's level check; when present, Tidings skips building fields for disabled levels. */
  isLevelEnabled?(level: string): boolean;
};

/** A connection as the hooks see it. */
export interface ConnectInfo {
  /** Also sent to the client as the `Tidings-Connection-Id` response header. */
  readonly connectionId: string;
  readonly transport: Transport;
  readonly topics: readonly string[];
}

/** An ended connection: why, after how long, and how many events it got. */
export interface DisconnectInfo extends ConnectInfo {
  readonly reason: DisconnectReason;
  readonly durationMs: number;
  /** Events written to the connection: replayed and live. */
  readonly delivered: number;
  /** Id of the newest event written to it, if any (where its client resumes from). */
  readonly lastEventId: string | undefined;
}

/** An event this hub published. */
export interface PublishInfo {
  readonly eventId: string;
  readonly topic: string;
  /** Event name; `undefined` for the default `message`. */
  readonly event: string | undefined;
  /** Serialized payload size. */
  readonly bytes: number;
}

/** Where an error reported to `onError` happened. */
export interface ErrorInfo {
  /** The affected connection, when there is one. */
  readonly connectionId?: string;
  /**
   * `callback`: one of the app's handler callbacks (`topics`, `authorize`, `connectionKey`,
   * `publicTopics`, `auth`) threw; `request`: a request failed with `500 internal` otherwise;
   * `broker`: a broker call or the broker itself; `hook`: a hook threw.
   */
  readonly source: 'callback' | 'request' | 'broker' | 'hook';
}

/** Lifecycle hooks and logging; part of the hub options. Hooks must not throw (if they do, it is logged and ignored). */
export interface LifecycleOptions {
  /** A pino-compatible logger; default none (silent). */
  logger?: Logger;
  /** A connection was accepted (before any byte is sent). */
  onConnect?: (info: ConnectInfo) => void;
  /** A connection ended, with exactly one reason. */
  onDisconnect?: (info: DisconnectInfo) => void;
  /** This hub published an event. */
  onPublish?: (info: PublishInfo) => void;
  /** An unexpected error: a throwing `topics`/`authorize`/… callback, a request answered `500 internal`, a broker failure, a throwing hook. */
  onError?: (error: unknown, info: ErrorInfo) => void;
}

const DISCONNECT_LEVEL: Record<DisconnectReason, LogLevel> = {
  'client-closed': 'debug',
  completed: 'debug',
  'server-close': 'debug',
  'slow-consumer': 'info',
  'auth-expired': 'info',
  limit: 'info',
  'write-error': 'warn',
  'broker-error': 'warn',
};

/** Calls the hooks and the logger; builds nothing when neither is configured. */
export class Lifecycle {
  private readonly reported = new WeakSet<object>();

  constructor(private readonly options: LifecycleOptions) {}

  connected(connection: Connection): void {
    const { onConnect, logger } = this.options;
    if (!onConnect && !this.logs('debug')) return;
    const info = connectInfo(connection);
    logger?.debug({ ...info }, 'tidings connection opened');
    if (onConnect) this.call(() => onConnect(info), connection.id);
  }

  disconnected(connection: Connection, reason: DisconnectReason, now: number): void {
    const { onDisconnect, logger } = this.options;
    const level = DISCONNECT_LEVEL[reason];
    if (!onDisconnect && !this.logs(level)) return;
    const info: DisconnectInfo = {
      ...connectInfo(connection),
      reason,
      durationMs: Math.max(0, now - connection.openedAt),
      delivered: connection.delivered,
      lastEventId: connection.lastEventId,
    };
    logger?.[level]({ ...info }, `tidings connection closed: ${reason}`);
    if (onDisconnect) this.call(() => onDisconnect(info), connection.id);
  }

  /**
   * Takes the fields, not a {@link PublishInfo}: a hub without hook or debug logger builds no
   * object per publish, and does not count the payload's bytes.
   */
  published(eventId: string, topic: string, event: string | undefined, data: string): void {
    const { onPublish, logger } = this.options;
    const logged = this.logs('debug');
    if (!onPublish && !logged) return;
    const info: PublishInfo = { eventId, topic, event, bytes: Buffer.byteLength(data) };
    if (logged) logger?.debug({ ...info }, 'tidings event published');
    if (onPublish) this.call(() => onPublish(info));
  }

  /** Logs a configuration mistake found while serving (e.g. two hubs on one path); false without a logger. */
  warn(fields: Record<string, unknown>, message: string): boolean {
    this.options.logger?.warn(fields, message);
    return this.options.logger !== undefined;
  }

  /** The broker reported it is connected again. */
  brokerReconnected(): void {
    this.options.logger?.info({}, 'tidings broker reconnected');
  }

  /**
   * Reports an unexpected error once, however many layers see it pass; `log: false` when it
   * goes on to a framework's error handling, which logs it.
   */
  failed(error: unknown, info: ErrorInfo, { log = true } = {}): void {
    if (typeof error === 'object' && error !== null) {
      if (this.reported.has(error)) return;
      this.reported.add(error);
    }
    if (log) this.options.logger?.error({ err: error, ...info }, `tidings ${info.source} error`);
    const { onError } = this.options;
    if (!onError) return;
    try {
      onError(error, info);
    } catch (hookError) {
      this.options.logger?.error({ err: hookError, hook: 'onError' }, 'tidings hook threw');
    }
  }

  private logs(level: LogLevel): boolean {
    const { logger } = this.options;
    return logger !== undefined && logger.isLevelEnabled?.(level) !== false;
  }

  private call(run: () => void, connectionId?: string): void {
    try {
      run();
    } catch (error) {
      this.failed(error, connectionId === undefined ? { source: 'hook' } : { source: 'hook', connectionId });
    }
  }
}

function connectInfo({ id, transport, topics }: Connection): ConnectInfo {
  return { connectionId: id, transport, topics };
}
