/**
 * What every hand-written baseline shares, whatever its framework: per-topic SSE subscribers,
 * waiting long-polls and a bounded history, with each event framed once into a Buffer that
 * every subscriber's write shares (what a careful hand-written loop does). The framework
 * files (floor.mjs for node:http, express.mjs, koa.mjs, fastify.mjs) only parse requests and
 * answer through their framework's own API.
 *
 * A "stream" or "waiter" is whatever the framework writes to: `{ write(frame) }` and
 * `{ answer(body) }`.
 */
export function handwrittenState() {
  /** @type {Map<string, Set<{ write(frame: Buffer): void }>>} */
  const streams = new Map();
  /** @type {Map<string, Set<{ answer(body: string): void }>>} */
  const waiting = new Map();
  /** @type {Map<string, {seq: number, data: string, frame: Buffer}[]>} */
  const history = new Map();
  let seq = 0;

  /** The member set of `topic` in `map`, created on first use. */
  const setOf = (map, topic) => {
    let set = map.get(topic);
    if (!set) {
      set = new Set();
      map.set(topic, set);
    }
    return set;
  };
  const after = (topic, cursor) => (history.get(topic) ?? []).filter((e) => e.seq > cursor);
  const pollBody = (events) =>
    JSON.stringify({ events: events.map((e) => ({ id: String(e.seq), data: e.data })), cursor: String(seq) });

  return {
    head: () => String(seq),
    waiting: () => [...waiting.values()].reduce((n, set) => n + set.size, 0),

    /** Joins `topic`'s stream set; the replay (events after `lastEventId`) is returned to write first. */
    subscribe(topic, stream, lastEventId) {
      const last = Number(lastEventId ?? Number.NaN);
      const replay = Number.isInteger(last) ? after(topic, last).map((e) => e.frame) : [];
      const set = setOf(streams, topic);
      set.add(stream);
      return {
        replay,
        leave() {
          set.delete(stream);
          if (set.size === 0 && streams.get(topic) === set) streams.delete(topic);
        },
      };
    },

    /**
     * A poll: `{ status: 304, etag }`, `{ status: 200, etag, body }`, or `{ wait: leave }` when
     * `waiter` joined the topic's long-polls (Prefer: wait=…) and `leave` undoes that.
     */
    poll(topic, cursorParam, ifNoneMatch, prefer, waiter) {
      const cursor = Number(cursorParam ?? seq);
      const events = after(topic, cursor);
      const etag = `"${events.length > 0 ? seq : cursor}"`;
      if (events.length === 0 && ifNoneMatch === etag) return { status: 304, etag };
      if (events.length === 0 && prefer?.startsWith('wait=')) {
        const set = setOf(waiting, topic);
        set.add(waiter);
        return { wait: () => set.delete(waiter) };
      }
      return { status: 200, etag, body: pollBody(events) };
    },

    publish(topic, data) {
      const event = { seq: ++seq, data, frame: Buffer.from(`id: ${seq}\ndata: ${data}\n\n`) };
      const list = history.get(topic) ?? [];
      history.set(topic, list);
      list.push(event);
      if (list.length > 1000) list.shift();
      const set = streams.get(topic);
      if (set) for (const stream of set) stream.write(event.frame);
      const held = waiting.get(topic);
      if (held) {
        waiting.delete(topic);
        const body = pollBody([event]);
        for (const waiter of held) waiter.answer(body);
      }
    },
  };
}
