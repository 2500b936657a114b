import { type ApiError, JetStreamApiError } from '@nats-io/jetstream';
import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';

/** How often publishes waiting for their ack are checked against their deadline, ms. */
const SWEEP_MS = 20;

/** JetStream's acknowledgement of a stored (or de-duplicated) message. */
export interface StoredAck {
  readonly seq: number;
}

interface Outgoing {
  readonly subject: string;
  readonly data: string;
  readonly headers: MsgHdrs;
  readonly token: string;
}

interface Waiting {
  readonly resolve: (ack: StoredAck) => void;
  readonly reject: (error: Error) => void;
  readonly deadline: number;
}

/**
 * JetStream publishes with many acks outstanding on one connection: each message goes out
 * as a plain publish whose reply subject is `<inbox>.<token>`, and one subscription to
 * `<inbox>.*` settles them all. This is what `js.publish()` does underneath (a request per
 * message), minus its per-request error object with a stack, timer and promise race — the
 * bulk of the client's CPU per publish. Messages leave in call order on the one connection,
 * so JetStream stores a node's publishes in the order they were made.
 *
 * A reply with an API error rejects with `JetStreamApiError` (nothing was stored); no reply
 * by the deadline, "no responders" or a closed connection reject with a plain `Error` (the
 * message may or may not have been stored).
 */
export class AckPipe {
  private readonly inbox: string;
  private readonly subscription: Subscription;
  private readonly waiting = new Map<string, Waiting>();
  private outgoing: Outgoing[] = [];
  private nextToken = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly decoder = new TextDecoder();

  constructor(private readonly nc: NatsConnection) {
    this.inbox = `${createInbox(inboxPrefixOf(nc))}.`;
    this.subscription = nc.subscribe(`${this.inbox}*`, { callback: (_, msg) => this.settle(msg) });
    void this.subscription.closed.then(() =>
      this.failAll('The NATS connection closed before JetStream acknowledged'),
    );
  }

  /** Publishes `data` to `subject`; resolves with JetStream's ack, or rejects at `deadline` (epoch ms). */
  publish(subject: string, data: string, headers: MsgHdrs, deadline: number): Promise<StoredAck> {
    return new Promise<StoredAck>((resolve, reject) => {
      if (this.subscription.isClosed()) {
        reject(new Error('The NATS connection is closed'));
        return;
      }
      const token = (this.nextToken++).toString(36);
      this.waiting.set(token, { resolve, reject, deadline });
      this.sweepSoon();
      if (this.outgoing.push({ subject, data, headers, token }) === 1) process.nextTick(() => this.send());
    });
  }

  /**
   * Hands every message queued in this burst of promise continuations to the client at
   * once, in order: it writes what it was given in one go, where publishes made one by one
   * from separate continuations would each cost a socket write.
   */
  private send(): void {
    const outgoing = this.outgoing;
    this.outgoing = [];
    for (const { subject, data, headers, token } of outgoing) {
      if (!this.waiting.has(token)) continue; // closed meanwhile: rejected, so never sent
      try {
        this.nc.publish(subject, data, { reply: this.inbox + token, headers });
      } catch (error) {
        const waiting = this.waiting.get(token);
        this.waiting.delete(token);
        waiting?.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  /** Stops listening for acks; publishes still waiting reject. */
  close(): void {
    this.subscription.unsubscribe();
    this.failAll('The NATS broker closed before JetStream acknowledged');
  }

  private settle(msg: Msg): void {
    const token = msg.subject.slice(this.inbox.length);
    const waiting = this.waiting.get(token);
    if (!waiting) return; // late: it was given up on already
    this.waiting.delete(token);
    if (msg.data.length === 0) {
      // A status reply: 503 when nothing listens on the subject (no stream holds it).
      waiting.reject(
        new Error(`JetStream did not take the message (status ${msg.headers?.code ?? 'unknown'})`),
      );
      return;
    }
    try {
      const reply = JSON.parse(this.decoder.decode(msg.data)) as { seq?: number; error?: ApiError };
      if (reply.error) waiting.reject(new JetStreamApiError(reply.error));
      else if (typeof reply.seq === 'number') waiting.resolve({ seq: reply.seq });
      else waiting.reject(new Error('JetStream sent an ack without a sequence'));
    } catch (error) {
      waiting.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Keeps one timer running while publishes wait, rejecting those past their deadline. */
  private sweepSoon(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [token, waiting] of this.waiting) {
        if (waiting.deadline > now) continue;
        this.waiting.delete(token);
        waiting.reject(new Error('JetStream did not acknowledge in time'));
      }
      if (this.waiting.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, SWEEP_MS);
  }

  private failAll(reason: string): void {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const entry of waiting) entry.reject(new Error(reason));
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

/** The connection's `inboxPrefix` option, so a shared connection's permissions on replies hold. */
function inboxPrefixOf(nc: NatsConnection): string | undefined {
  const options = (nc as { options?: { inboxPrefix?: unknown } }).options;
  return typeof options?.inboxPrefix === 'string' ? options.inboxPrefix : undefined;
}
