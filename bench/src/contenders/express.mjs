import http from 'node:http';
import express from 'express';
import { handwrittenState } from './handwritten.mjs';

/**
 * A hand-written Express 5 route doing the floor's job, the way an Express app would write
 * it: `req.query`, `req.get`, `res.set`/`res.status`/`res.send`, and for SSE
 * `res.flushHeaders()` then `res.write` of the shared frame.
 */
export async function start() {
  const state = handwrittenState();
  const app = express();
  app.get('/realtime', (req, res) => {
    const { topic, cursor } = req.query;
    if (typeof topic !== 'string') {
      res.sendStatus(400);
      return;
    }
    if (req.get('accept') === 'text/event-stream') {
      res.set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      res.write(':ok\n\n');
      const { replay, leave } = state.subscribe(topic, res, req.get('last-event-id'));
      for (const frame of replay) res.write(frame);
      req.on('close', leave);
      return;
    }
    const waiter = { answer: (body) => res.type('json').send(body) };
    const answer = state.poll(topic, cursor, req.get('if-none-match'), req.get('prefer'), waiter);
    if (answer.wait) req.on('close', answer.wait);
    else if (answer.status === 304) res.status(304).set('etag', answer.etag).end();
    else res.set('etag', answer.etag).type('json').send(answer.body);
  });
  return { server: http.createServer(app), head: state.head, waiting: state.waiting, publish: state.publish };
}
