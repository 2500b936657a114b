import http from 'node:http';
import { handwrittenState } from './handwritten.mjs';

/**
 * The floor: the smallest correct hand-written node:http server for the same job — SSE
 * broadcast per topic with Last-Event-ID replay from a bounded history, a poll endpoint
 * with ETag/304, and long-poll. Each event is framed once into a Buffer and the same
 * Buffer is handed to every `res.write` (what a careful hand-written loop does).
 */
export async function start() {
  const state = handwrittenState();
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
      const { replay, leave } = state.subscribe(topic, res, req.headers['last-event-id']);
      for (const frame of replay) res.write(frame);
      req.on('close', leave);
      return;
    }
    const waiter = {
      answer: (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body),
    };
    const { headers } = req;
    const answer = state.poll(
      topic,
      url.searchParams.get('cursor'),
      headers['if-none-match'],
      headers.prefer,
      waiter,
    );
    if (answer.wait) req.on('close', answer.wait);
    else if (answer.status === 304) res.writeHead(304, { etag: answer.etag }).end();
    else res.writeHead(200, { etag: answer.etag, 'content-type': 'application/json' }).end(answer.body);
  });
  return { server, head: state.head, waiting: state.waiting, publish: state.publish };
}
