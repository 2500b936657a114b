import http from 'node:http';

/**
 * The floor: the smallest correct hand-written node:http server for the same job — SSE
 * broadcast per topic with Last-Event-ID replay from a bounded history, a poll endpoint
 * with ETag/304, and long-poll. Each event is framed once into a Buffer and the same
 * Buffer is handed to every `res.write` (what a careful hand-written loop does).
 */
export async function start() {
  /** @type {Map<string, Set<http.ServerResponse>>} */
  const streams = new Map();
  /** @type {Map<string, Set<http.ServerResponse>>} */
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

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const topic = url.searchParams.get('topic');
    if (!topic) {
      res.writeHead(400).end();
      return;
    }
    if (req.headers.accept === 'text/event-stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(':ok\n\n');
      const last = Number(req.headers['last-event-id'] ?? Number.NaN);
      if (Number.isInteger(last)) for (const e of after(topic, last)) res.write(e.frame);
      const set = setOf(streams, topic);
      set.add(res);
      req.on('close', () => {
        set.delete(res);
        if (set.size === 0 && streams.get(topic) === set) streams.delete(topic);
      });
      return;
    }
    const cursor = Number(url.searchParams.get('cursor') ?? seq);
    const events = after(topic, cursor);
    const etag = `"${events.length > 0 ? seq : cursor}"`;
    if (events.length === 0 && req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    if (events.length === 0 && req.headers.prefer?.startsWith('wait=')) {
      const set = setOf(waiting, topic);
      set.add(res);
      req.on('close', () => set.delete(res));
      return;
    }
    res.writeHead(200, { etag, 'content-type': 'application/json' }).end(pollBody(events));
  });

  return {
    server,
    head: () => String(seq),
    waiting: () => [...waiting.values()].reduce((n, set) => n + set.size, 0),
    publish(topic, data) {
      const event = { seq: ++seq, data, frame: Buffer.from(`id: ${seq}\ndata: ${data}\n\n`) };
      const list = history.get(topic) ?? [];
      history.set(topic, list);
      list.push(event);
      if (list.length > 1000) list.shift();
      const set = streams.get(topic);
      if (set) for (const res of set) res.write(event.frame);
      const held = waiting.get(topic);
      if (held) {
        waiting.delete(topic);
        const body = pollBody([event]);
        for (const res of held) res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      }
    },
  };
}
