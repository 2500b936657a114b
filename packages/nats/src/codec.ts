import type { MsgHdrs } from '@nats-io/transport-node';
import { headers } from '@nats-io/transport-node';
import type { PublishRequest, StoredEvent } from '@tidings/core';
import { formatEventId } from '@tidings/core';

/**
 * How an event is stored in a JetStream message: the payload is the data exactly as sent
 * on the wire; headers carry the event name and the publish time (the broker's clock, so
 * every node reports the same `time`); the stream sequence is the event's `seq`.
 */
export const EVENT_HEADER = 'Tidings-Event';
export const TIME_HEADER = 'Tidings-Time';
/** Set by the publisher, checked and stored by JetStream: the topic's previous sequence. */
export const LINK_HEADER = 'Nats-Expected-Last-Subject-Sequence';
/** Set by the publisher: JetStream stores a message once per id (within its duplicate window). */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/** A stored message as both `JsMsg` and `StoredMsg` expose it. */
export interface StoredMessage {
  readonly seq: number;
  readonly headers: MsgHdrs | undefined;
  readonly data: Uint8Array;
}

/**
 * UTF-8 → string, keeping a leading U+FEFF: the library's `string()` uses a `TextDecoder`
 * that strips it (the WHATWG default), so data starting with a BOM lost it on NATS only.
 */
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** The payload as published (see {@link UTF8}). */
export function dataOf(message: StoredMessage): string {
  return UTF8.decode(message.data);
}

export function eventHeaders(event: string | undefined, time: number): MsgHdrs {
  const result = headers();
  if (event !== undefined) result.set(EVENT_HEADER, event);
  result.set(TIME_HEADER, String(time));
  return result;
}

export function toStoredEvent(epoch: string, topic: string, message: StoredMessage): StoredEvent {
  const seq = message.seq;
  return {
    id: formatEventId(epoch, seq),
    seq,
    topic,
    event: message.headers?.get(EVENT_HEADER) || undefined,
    data: dataOf(message),
    time: timeOf(message),
  };
}

/** Publish time by the publishing broker's clock, ms. */
export function timeOf(message: StoredMessage): number {
  return Number(message.headers?.get(TIME_HEADER)) || 0;
}

/** The back-link to the topic's previous sequence (0: the topic was empty). */
export function linkOf(message: StoredMessage): number {
  return Number(message.headers?.get(LINK_HEADER)) || 0;
}

export function published(epoch: string, seq: number, request: PublishRequest, time: number): StoredEvent {
  const { topic, event, data } = request;
  return { id: formatEventId(epoch, seq), seq, topic, event, data, time };
}
