import { AUTH_EXPIRED_FRAME } from '../auth/auth-expired.js';
import type { Expiring } from '../auth/expiry-schedule.js';
import type { HistoryResult, StoredEvent } from '../broker/broker.js';
import { CONNECTION_ID_HEADER, type Connection } from '../hub/connection.js';
import type { Hub, Subscriber } from '../hub/hub.js';
import type { SlowConsumerPolicy } from '../hub/options.js';
import type { DisconnectReason } from '../hub/stats.js';
import { TidingsError } from '../wire/errors.js';
import { type Cursor, formatEventId } from '../wire/event-id.js';
import { encodeEvent, encodePosition, encodePreamble, HEARTBEAT } from '../wire/sse-encoder.js';
import type { RealtimeRequest, ResponseSink } from '../wire/transport.js';
import { Backlog, behindBytes, policyFor } from './slow-consumer.js';

/** Live events that arrive while history is still being replayed. */
interface Held {
  readonly seq: number;
  readonly frame: Buffer;
}

/**
 * One SSE subscriber. It joins its topics' channels first, then replays history, then
 * releases the live events held during the replay that are newer than the last replayed
 * one — so there is no gap and no duplicate at the seam.
 */
export class SseStream implements Subscriber, Expiring {
  /** Sequence number of the newest event written; older or equal ones are dropped. */
  private lastSeq = 0;
  /** `<epoch>-` of the ids this stream carries; a live id of another epoch means a wiped broker. */
  private epochPrefix = '';
  /** Live events held back during replay; `null` once live. */
  private held: Held[] | null = [];
  private heldBytes = 0;
  private ended = false;
  /** Whether the 200 and headers went out (errors after that end the stream instead). */
  private headed = false;
  /** Live frames held back while the client is behind (`drop-oldest` / `latest` policies). */
  private backlog: Backlog | null = null;
  /** Its slow-consumer policy, decided the first time its socket backs up. */
  private policy: SlowConsumerPolicy | undefined;
  /** Writes the backlog on the socket's `drain`; created the first time the stream falls behind. */
  private onDrain: (() => void) | undefined;
  /** Its id and delivery count, reported by the hooks and the debug view. */
  private connection!: Connection;

  private constructor(
    private readonly hub: Hub,
    private readonly sink: ResponseSink,
    private readonly topics: readonly string[],
    /** When the subscription's token expires (epoch ms), if it has one. */
    private readonly expiresAt: number | undefined,
  ) {}

  /**
   * Serves an SSE subscription. Errors before the first byte (e.g. the broker is down)
   * are thrown, so the caller can still answer with a JSON error.
   */
  static async open(
    hub: Hub,
    req: RealtimeRequest,
    sink: ResponseSink,
    topics: readonly string[],
    cursor: Cursor | null,
    expiresAt?: number,
  ): Promise<void> {
    const stream = new SseStream(hub, sink, topics, expiresAt);
    stream.connection = hub.track(stream, 'sse', topics);
    // After track, so that a sink already closed (it calls back at once) untracks it.
    sink.onClose(() => stream.close('client-closed'));
    if (stream.ended) return;
    try {
      await hub.attach(stream, topics);
      const position = cursor ?? (await hub.broker.head());
      const first = await hub.broker.history(topics, position, hub.options.maxReplay);
      if (stream.ended) {
        // Closed by the hub before the first byte: answer 503 rather than leave the request hanging.
        if (hub.closed) throw new TidingsError('shutting-down', 'The server is shutting down; retry shortly');
        return;
      }
      const start = formatEventId(position.epoch, position.seq);
      sink.writeHead(
        200,
        streamHeaders(req.httpVersion, start, stream.connection.id, hub.options.heartbeatMs),
      );
      stream.headed = true;
      const { retryMs, retryJitterMs } = hub.options;
      stream.write(encodePreamble(retryMs + Math.floor(Math.random() * retryJitterMs)));
      await stream.replay(position, first, cursor === null);
    } catch (error) {
      const headed = stream.headed;
      // Ended first (client gone, hub closing): not the broker's fault.
      if (!stream.ended) hub.brokerFailed(error, stream.connection.id);
      stream.close('broker-error');
      // Before the first byte the caller can still answer with a JSON error.
      if (!headed) throw error;
    }
  }

  deliver(event: StoredEvent, frame: Buffer): void {
    if (this.held !== null) {
      this.held.push({ seq: event.seq, frame });
      this.heldBytes += frame.length;
      if (this.heldBytes > this.hub.options.maxBufferedBytes) this.close('slow-consumer');
      return;
    }
    if (!event.id.startsWith(this.epochPrefix)) {
      // The broker's history was wiped (e.g. Redis restarted empty): its sequence starts again,
      // so seq comparisons mean nothing. End the stream; the reconnect gets `reset: unknown`.
      this.close('broker-error');
      return;
    }
    if (event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    this.connection.delivered++;
    this.connection.lastEventId = event.id;
    if (this.backlog === null) this.write(frame);
    else {
      const displaced = this.backlog.add(event, frame);
      if (displaced > 0) this.hub.count('slowConsumerDrops', displaced);
    }
  }

  /**
   * Consecutive events of one topic, in order: in one write of `joined` when the stream is live,
   * keeping up (nothing unsent, no backlog) and has none of them yet; else one by one.
   */
  deliverRun(events: readonly StoredEvent[], frames: readonly Buffer[], joined: Buffer): void {
    const first = events[0] as StoredEvent;
    const last = events[events.length - 1] as StoredEvent;
    if (
      this.held !== null ||
      this.backlog !== null ||
      first.seq <= this.lastSeq ||
      !first.id.startsWith(this.epochPrefix) ||
      !last.id.startsWith(this.epochPrefix) ||
      this.sink.bufferedBytes > 0
    ) {
      for (let i = 0; i < events.length; i++) this.deliver(events[i] as StoredEvent, frames[i] as Buffer);
      return;
    }
    this.lastSeq = last.seq;
    this.connection.delivered += events.length;
    this.connection.lastEventId = last.id;
    this.write(joined);
  }

  /** Heartbeat tick. */
  beat(): void {
    this.write(HEARTBEAT);
  }

  /** The token ran out: `event: auth-expired`, then the stream ends. */
  expire(): void {
    this.close('auth-expired');
  }

  close(reason: DisconnectReason): void {
    if (this.ended) return;
    this.ended = true;
    this.held = null;
    this.hub.heartbeat.delete(this);
    if (this.expiresAt !== undefined) this.hub.expiry.delete(this);
    this.backlog = null;
    this.hub.detach(this, this.topics);
    this.hub.untrack(this, reason);
    if (!this.headed || reason === 'client-closed') return;
    if (reason === 'auth-expired') this.sink.end(AUTH_EXPIRED_FRAME);
    else if (reason === 'server-close') this.sink.end(drainRetry(this.hub));
    else this.sink.destroy();
  }

  private async replay(from: Cursor, first: HistoryResult, announce: boolean) {
    const { hub, topics } = this;
    let position = from;
    let page = first;
    for (;;) {
      if (this.ended) return;
      if (page.reset) {
        const cursor = formatEventId(page.head.epoch, page.head.seq);
        this.write(
          encodeEvent({ id: cursor, event: 'reset', data: JSON.stringify({ reason: page.reason, cursor }) }),
        );
        hub.count('resets');
        position = page.head;
        announce = false;
        break;
      }
      for (const event of page.events) this.write(encodeEvent(event));
      hub.count('replayed', page.events.length);
      this.connection.delivered += page.events.length;
      const last = page.events.at(-1);
      if (last) {
        position = { epoch: position.epoch, seq: last.seq };
        announce = false;
      }
      if (!page.more) break;
      page = await hub.broker.history(topics, position, hub.options.maxReplay);
    }
    if (this.ended) return;
    if (announce) this.write(encodePosition(formatEventId(position.epoch, position.seq)));
    this.epochPrefix = `${position.epoch}-`;
    this.goLive(position.seq);
    if (this.lastSeq > 0) this.connection.lastEventId = formatEventId(position.epoch, this.lastSeq);
  }

  private goLive(seq: number): void {
    const held = this.held ?? [];
    this.held = null;
    this.lastSeq = seq;
    for (const { seq: heldSeq, frame } of held) {
      if (heldSeq <= this.lastSeq) continue;
      this.lastSeq = heldSeq;
      this.connection.delivered++;
      this.write(frame);
    }
    if (this.ended) return;
    this.hub.heartbeat.add(this);
    if (this.expiresAt !== undefined) this.hub.expiry.add(this, this.expiresAt);
  }

  /** Bytes queued for the client but not yet sent. */
  get bufferedBytes(): number {
    return this.sink.bufferedBytes;
  }

  private write(chunk: Buffer): void {
    if (this.ended) return;
    let accepted: boolean;
    try {
      accepted = this.sink.write(chunk);
      this.hub.countWritten(chunk.length);
    } catch {
      this.close('write-error');
      return;
    }
    if (!accepted) this.backedUp();
  }

  /**
   * The socket is above its high-water mark. `disconnect` (and any stream still replaying)
   * closes past `maxBufferedBytes`; `drop-oldest` / `latest` start holding live frames back
   * only once the socket has half of that unsent ({@link behindBytes}), until it drains.
   */
  private backedUp(): void {
    const { maxBufferedBytes, slowConsumer } = this.hub.options;
    this.policy ??= policyFor(slowConsumer, this.topics);
    const buffered = this.sink.bufferedBytes;
    if (this.policy === 'disconnect' || this.held !== null) {
      if (buffered > maxBufferedBytes) this.close('slow-consumer');
    } else if (this.backlog === null && buffered > behindBytes(maxBufferedBytes)) {
      this.backlog = new Backlog(this.policy, maxBufferedBytes - behindBytes(maxBufferedBytes));
      this.awaitDrain();
    }
  }

  private awaitDrain(): void {
    this.onDrain ??= () => this.flush();
    this.sink.onDrain(this.onDrain);
  }

  /**
   * The socket drained: write the backlog until it is behind again (then wait for the next
   * `drain`) or the backlog is empty (then live events go straight to the socket again).
   */
  private flush(): void {
    const { backlog, sink } = this;
    if (this.ended || backlog === null) return;
    const behind = behindBytes(this.hub.options.maxBufferedBytes);
    try {
      for (let frame = backlog.shift(); frame !== undefined; frame = backlog.shift()) {
        const accepted = sink.write(frame);
        this.hub.countWritten(frame.length);
        if (!accepted && backlog.heldBytes > 0 && sink.bufferedBytes > behind) {
          this.awaitDrain();
          return;
        }
      }
    } catch {
      this.close('write-error');
      return;
    }
    this.backlog = null;
  }
}

function streamHeaders(
  httpVersion: string,
  cursor: string,
  connectionId: string,
  heartbeatMs: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    'tidings-cursor': cursor,
    // Lets clients derive their stall bound from this server's heartbeat (buffering-proxy detection).
    'tidings-heartbeat-ms': String(heartbeatMs),
    [CONNECTION_ID_HEADER]: connectionId,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    vary: 'Accept, Last-Event-ID',
  };
  if (httpVersion === '1.1') headers.connection = 'keep-alive';
  return headers;
}

/** A fresh random reconnect delay for a stream the server ends, so its clients come back spread out. */
function drainRetry(hub: Hub): string {
  const { retryMs, retryJitterMs } = hub.options;
  return `retry: ${Math.floor(Math.random() * (retryMs + retryJitterMs))}\n\n`;
}
