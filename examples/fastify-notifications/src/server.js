// The Tidings demo on Fastify: same page and API as examples/express-notifications, in-memory hub.
import { readFile } from 'node:fs/promises';
import { realtime } from '@tidings/fastify';
import Fastify from 'fastify';

const TOPIC = 'notifications';
const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'warn' } });

await app.register(realtime, { prefix: '/realtime' });

// curl -X POST localhost:3000/api/notify -H 'content-type: application/json' -d '{"text":"hi"}'
app.post('/api/notify', { bodyLimit: 16_384 }, async (request, reply) => {
  const text = typeof request.body?.text === 'string' ? request.body.text.trim().slice(0, 500) : '';
  if (!text)
    return reply.code(400).send({ error: { code: 'invalid-request', message: 'Send {"text": "..."}' } });
  const id = await app.realtime.publish(
    TOPIC,
    { text, at: new Date().toISOString() },
    { event: 'notification' },
  );
  return reply.code(201).send({ id });
});
app.get('/api/stats', async () => app.realtime.hub.stats());

const publicDir = new URL('../../express-notifications/public/', import.meta.url);
const files = {
  '/': ['index.html', 'text/html'],
  '/app.js': ['app.js', 'text/javascript'],
  '/style.css': ['style.css', 'text/css'],
};
for (const [path, [file, type]] of Object.entries(files)) {
  const body = await readFile(new URL(file, publicDir));
  app.get(path, (_request, reply) => reply.type(`${type}; charset=utf-8`).send(body));
}

// The browser build of @tidings/client (made by `npm run build`), imported by the page's app.js.
app.get('/vendor/tidings-client.js', async (_request, reply) =>
  reply
    .type('text/javascript; charset=utf-8')
    .send(await readFile(new URL(import.meta.resolve('@tidings/client/browser')))),
);

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const address = await app.listen({ port, host }).catch(cannotListen);
console.log(`Tidings Fastify demo listening on ${address}/`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  // Closing Fastify closes the hub (the plugin's onClose), which ends open streams.
  process.once(signal, () => app.close().then(() => process.exit(0)));
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
