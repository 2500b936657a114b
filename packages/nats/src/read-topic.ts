import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';

/**
 * Reads up to `max` retained messages of one subject with a stream sequence above `after`.
 * One direct get tells whether there is any (the common case of an up-to-date
 * resume ends there); if so, a short-lived ordered consumer reads them (JetStream 2.9 has
 * no batched direct get) and is deleted afterwards.
 */
export async function readSubject(
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  after: number,
  max: number,
  timeoutMs: number,
): Promise<JsMsg[]> {
  const next = await jsm.direct.getMessage(stream, { next_by_subj: subject, seq: after + 1 });
  if (next === null) return [];
  const consumer = await js.consumers.get(stream, {
    filter_subjects: subject,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: after + 1,
  });
  try {
    const pending = (await consumer.info(true)).num_pending;
    const wanted = Math.min(pending, max);
    if (wanted === 0) return [];
    const messages: JsMsg[] = [];
    // Stops at `wanted`, or at `expires` if some were trimmed meanwhile.
    for await (const message of await consumer.fetch({ max_messages: wanted, expires: timeoutMs })) {
      messages.push(message);
      if (messages.length === wanted) break;
    }
    return messages;
  } finally {
    consumer.delete().catch(() => {});
  }
}
