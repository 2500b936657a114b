import type { StoredEvent } from '../broker/broker.js';
import type { DisconnectReason } from './stats.js';

/** A local receiver of a topic's events: an SSE stream or a waiting long-poll. */
export interface Subscriber {
  /** Called once per event of a subscribed topic, with the SSE frame shared by every subscriber. */
  deliver(event: StoredEvent, frame: Buffer): void;
  /**
   * Optional: several consecutive events of one topic at once, in order, with their frames and
   * `joined`, those frames as one buffer shared by every subscriber of the topic (so a stream
   * can send them in one write). Without it, `deliver` is called for each event.
   */
  deliverRun?(events: readonly StoredEvent[], frames: readonly Buffer[], joined: Buffer): void;
  /** Ends the connection; the hub calls it with `server-close` on shutdown. */
  close(reason: DisconnectReason): void;
  /** Bytes queued for the client but not yet sent, for the debug view. */
  readonly bufferedBytes?: number;
}
