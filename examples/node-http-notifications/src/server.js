// The Tidings demo on bare node:http: same page and API as examples/express-notifications.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { realtime } from '@tidings/node';

const TOPIC = 'notifications';
const rt = realtime();
const publicDir = new URL('../../express-notifications/public/', import.meta.url);
const files = {
  '/': ['index.html', 'text/html'],
  '/app.js': ['app.js', 'text/javascript'],
  '/style.css': ['style.css', 'text/css'],
};
const page = new Map();
for (const [path, [file, type]] of Object.entries(files)) {
  page.set(path, { type: `${type}; charset=utf-8`, body: await readFile(new URL(file, publicDir)) });
}
// The browser build of @tidings/client (made by `npm run build`), imported by the page's app.js.
const client = new URL(import.meta.resolve('@tidings/client/browser'));
page.set('/vendor/tidings-client.js', {
  type: 'text/javascript; charset=utf-8',
  body: await readFile(client),
});

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  if (pathname === '/realtime') return rt(req, res);
  if (pathname === '/api/notify' && req.method === 'POST') return notify(req, res);
  if (pathname === '/api/stats') return json(res, 200, rt.hub.stats());
  const file = req.method === 'GET' && page.get(pathname);
  if (file) res.writeHead(200, { 'content-type': file.type }).end(file.body);
  else json(res, 404, { error: { code: 'not-found', message: 'Not found' } });
});

// curl -X POST localhost:3000/api/notify -H 'content-type: application/json' -d '{"text":"hi"}'
async function notify(req, res) {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 16_384)
      return json(res, 413, { error: { code: 'too-large', message: 'Body too large' } });
  }
  let text = '';
  try {
    const body = JSON.parse(raw);
    text = typeof body.text === 'string' ? body.text.trim().slice(0, 500) : '';
  } catch {}
  if (!text) return json(res, 400, { error: { code: 'invalid-request', message: 'Send {"text": "..."}' } });
  const id = await rt.publish(TOPIC, { text, at: new Date().toISOString() }, { event: 'notification' });
  json(res, 201, { id });
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
server.on('error', cannotListen);
server.listen(port, host, () => {
  const { address, port: actual } = server.address();
  console.log(`Tidings node:http demo listening on http://${address}:${actual}/`);
});

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
