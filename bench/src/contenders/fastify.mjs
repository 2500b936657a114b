import Fastify from 'fastify';
import { handwrittenState } from './handwritten.mjs';

/**
 * A hand-written Fastify 5 route doing the floor's job, the way a Fastify app would write it:
 * `request.query`, `reply.header`/`reply.code`/`reply.send`, and for SSE `reply.hijack()`
 * then `reply.raw.write` of the shared frame.
 */
export async function start() {
  const state = handwrittenState();
  const app = Fastify();
  app.get('/realtime', (request, reply) => {
    const { topic, cursor } = request.query;
    if (typeof topic !== 'string') return reply.code(400).send();
    const { headers } = request;
    if (headers.accept === 'text/event-stream') {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(':ok\n\n');
      const { replay, leave } = state.subscribe(topic, res, headers['last-event-id']);
      for (const frame of replay) res.write(frame);
      request.raw.on('close', leave);
      return reply;
    }
    const waiter = { answer: (body) => reply.type('application/json').send(body) };
    const answer = state.poll(topic, cursor, headers['if-none-match'], headers.prefer, waiter);
    if (answer.wait) {
      request.raw.on('close', answer.wait);
      return reply;
    }
    if (answer.status === 304) return reply.code(304).header('etag', answer.etag).send();
    return reply.header('etag', answer.etag).type('application/json').send(answer.body);
  });
  await app.ready();
  return { server: app.server, head: state.head, waiting: state.waiting, publish: state.publish };
}
