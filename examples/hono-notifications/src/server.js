// The Tidings demo on Hono (web-standard fetch handler), served by @hono/node-server.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { realtime } from '@tidings/fetch';
import { Hono } from 'hono';

const TOPIC = 'notifications';
const app = new Hono();
const rt = realtime();

app.all('/realtime', (c) => rt(c.req.raw));

// curl -X POST localhost:3000/api/notify -H 'content-type: application/json' -d '{"text":"hi"}'
app.post('/api/notify', async (c) => {
  const body = await c.req.json().catch(() => ({}));
  const text = typeof body?.text === 'string' ? body.text.trim().slice(0, 500) : '';
  if (!text) return c.json({ error: { code: 'invalid-request', message: 'Send {"text": "..."}' } }, 400);
  const id = await rt.publish(TOPIC, { text, at: new Date().toISOString() }, { event: 'notification' });
  return c.json({ id }, 201);
});
app.get('/api/stats', (c) => c.json(rt.hub.stats()));

// The browser build of @tidings/client (made by `npm run build`), imported by the page's app.js.
app.get('/vendor/tidings-client.js', async (c) => {
  const body = await readFile(new URL(import.meta.resolve('@tidings/client/browser')));
  return c.body(body, 200, { 'content-type': 'text/javascript; charset=utf-8' });
});
const publicDir = fileURLToPath(new URL('../../express-notifications/public', import.meta.url));
app.use('/*', serveStatic({ root: publicDir }));

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const server = serve({ fetch: app.fetch, port, hostname: host }, ({ address, port: actual }) =>
  console.log(`Tidings Hono demo listening on http://${address}:${actual}/`),
);
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
