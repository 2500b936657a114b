import { formatEventId, type StoredEvent } from '@tidings/core';

/**
 * Decodes a pub/sub message written by the publish script:
 * `<epoch>\n<seq>\n<time>\n<event or empty>\n<data>`. Epoch, numbers and event names never
 * contain a line break (they are validated), so only the data — last — may.
 */
export function decodeMessage(topic: string, message: string): StoredEvent | undefined {
  const a = message.indexOf('\n');
  const b = message.indexOf('\n', a + 1);
  const c = message.indexOf('\n', b + 1);
  const d = message.indexOf('\n', c + 1);
  if (a < 0 || b < 0 || c < 0 || d < 0) return undefined;
  const epoch = message.slice(0, a);
  const seq = Number(message.slice(a + 1, b));
  const event = message.slice(c + 1, d);
  return {
    id: formatEventId(epoch, seq),
    seq,
    topic,
    event: event === '' ? undefined : event,
    data: message.slice(d + 1),
    time: Number(message.slice(b + 1, c)),
  };
}

/** Reads one stream entry (`[id, [field, value, …]]`) of a topic's history. */
export function decodeEntry(epoch: string, topic: string, entry: [string, string[]]): StoredEvent {
  const [id, fields] = entry;
  const seq = Number.parseInt(id, 10);
  let data = '';
  let time = 0;
  let event: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    if (fields[i] === 'd') data = value;
    else if (fields[i] === 't') time = Number(value);
    else if (fields[i] === 'e') event = value;
  }
  return { id: formatEventId(epoch, seq), seq, topic, event, data, time };
}
