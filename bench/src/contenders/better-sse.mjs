import http from 'node:http';
import { createChannel, createSession } from 'better-sse';

/** better-sse 0.16: one channel per topic, `channel.broadcast` per event. SSE only (no poll, no replay). */
export async function start() {
  const channels = new Map();
  const channel = (topic) => {
    let found = channels.get(topic);
    if (!found) {
      found = createChannel();
      channels.set(topic, found);
    }
    return found;
  };
  let seq = 0;
  const server = http.createServer(async (req, res) => {
    const topic = new URL(req.url, 'http://localhost').searchParams.get('topic');
    if (!topic || req.headers.accept !== 'text/event-stream') {
      res.writeHead(404).end();
      return;
    }
    const session = await createSession(req, res, { serializer: String });
    channel(topic).register(session);
  });
  return {
    server,
    head: () => String(seq),
    waiting: () => 0,
    publish(topic, data) {
      seq++;
      channels.get(topic)?.broadcast(data, 'message', { eventId: String(seq) });
    },
  };
}
