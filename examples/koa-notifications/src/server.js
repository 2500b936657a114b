// The Tidings demo on Koa: same page and API as examples/express-notifications, in-memory hub.
import { readFile } from 'node:fs/promises';
import Router from '@koa/router';
import { realtime } from '@tidings/koa';
import Koa from 'koa';

const TOPIC = 'notifications';
const app = new Koa();
const router = new Router();
const rt = realtime({ path: '/realtime' });
const page = await loadPage();

app.use(rt);

// curl -X POST localhost:3000/api/notify -H 'content-type: application/json' -d '{"text":"hi"}'
router.post('/api/notify', async (ctx) => {
  const text = await readText(ctx.req);
  if (!text) {
    ctx.status = 400;
    ctx.body = { error: { code: 'invalid-request', message: 'Send {"text": "..."}' } };
    return;
  }
  const id = await rt.publish(TOPIC, { text, at: new Date().toISOString() }, { event: 'notification' });
  ctx.status = 201;
  ctx.body = { id };
});
router.get('/api/stats', (ctx) => {
  ctx.body = rt.hub.stats();
});
// The browser build of @tidings/client (made by `npm run build`), imported by the page's app.js.
router.get('/vendor/tidings-client.js', async (ctx) => {
  ctx.type = 'js';
  ctx.body = await readFile(new URL(import.meta.resolve('@tidings/client/browser')));
});
router.get(['/', '/app.js', '/style.css'], (ctx) => {
  const file = page[ctx.path === '/' ? '/index.html' : ctx.path];
  ctx.type = file.type;
  ctx.body = file.body;
});
app.use(router.routes());

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(port, host, () => {
  const { address, port: actual } = server.address();
  console.log(`Tidings Koa demo listening on http://${address}:${actual}/`);
});
server.on('error', cannotListen);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await rt.close();
    server.close(() => process.exit(0));
  });
}

/** Says why the server cannot listen (a port in use, most often) and exits, instead of a stack. */
function cannotListen(error) {
  console.error(
    error.code === 'EADDRINUSE'
      ? `Port ${port} on ${host} is already in use: stop whatever holds it, or pick another, e.g. PORT=3001 npm start`
      : `Cannot listen on ${host}:${port}: ${error.message}`,
  );
  process.exit(1);
}

/** The Express demo's static page, served from memory. */
async function loadPage() {
  const dir = new URL('../../express-notifications/public/', import.meta.url);
  const files = { '/index.html': 'html', '/app.js': 'js', '/style.css': 'css' };
  const entries = Object.entries(files).map(async ([path, type]) => [
    path,
    { type, body: await readFile(new URL(path.slice(1), dir)) },
  ]);
  return Object.fromEntries(await Promise.all(entries));
}

/** The `text` of a small JSON body (no body parser needed for one field). */
async function readText(req) {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 16_384) return '';
  }
  try {
    const { text } = JSON.parse(raw);
    return typeof text === 'string' ? text.trim().slice(0, 500) : '';
  } catch {
    return '';
  }
}
