import http from 'node:http';
import { PassThrough } from 'node:stream';
import Koa from 'koa';
import { handwrittenState } from './handwritten.mjs';

/**
 * A hand-written Koa 3 middleware doing the floor's job, the way a Koa app would write it:
 * `ctx.query`, `ctx.get`, `ctx.set`/`ctx.status`/`ctx.body`, and for SSE the common Koa
 * idiom, a `PassThrough` as `ctx.body` that each event is written to.
 */
export async function start() {
  const state = handwrittenState();
  const app = new Koa();
  // A client leaving ends its PassThrough early; Koa would log each as an error.
  app.silent = true;
  app.use(async (ctx) => {
    if (ctx.path !== '/realtime') return;
    const { topic, cursor } = ctx.query;
    if (typeof topic !== 'string') {
      ctx.status = 400;
      return;
    }
    if (ctx.get('accept') === 'text/event-stream') {
      const stream = new PassThrough();
      ctx.set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      ctx.status = 200;
      ctx.body = stream;
      stream.write(':ok\n\n');
      const { replay, leave } = state.subscribe(topic, stream, ctx.get('last-event-id') || undefined);
      for (const frame of replay) stream.write(frame);
      ctx.req.on('close', leave);
      return;
    }
    let wake;
    const woken = new Promise((resolve) => {
      wake = resolve;
    });
    const answer = state.poll(topic, cursor, ctx.get('if-none-match'), ctx.get('prefer'), { answer: wake });
    if (answer.wait) {
      ctx.req.on('close', answer.wait);
      ctx.type = 'json';
      ctx.body = await woken;
    } else if (answer.status === 304) {
      ctx.set('etag', answer.etag);
      ctx.status = 304;
    } else {
      ctx.set('etag', answer.etag);
      ctx.type = 'json';
      ctx.body = answer.body;
    }
  });
  return {
    server: http.createServer(app.callback()),
    head: state.head,
    waiting: state.waiting,
    publish: state.publish,
  };
}
