import { type ConsumerMessages, DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';

/**
 * Live delivery of one subject: an ordered consumer starting at `from`. The client
 * recreates it after a reconnect or missed heartbeats, from the last sequence it
 * delivered, so an outage neither loses nor repeats a message.
 */
export async function followSubject(
  js: JetStreamClient,
  stream: string,
  subject: string,
  from: number,
  onMessage: (message: JsMsg) => void,
): Promise<() => void> {
  const consumer = await js.consumers.get(stream, {
    filter_subjects: subject,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: from,
  });
  const messages: ConsumerMessages = await consumer.consume({ callback: onMessage });
  return () => {
    messages.stop();
    consumer.delete().catch(() => {});
  };
}
