// The Tidings demo: an Express app with live notifications, in-memory hub, no services needed.
import { fileURLToPath } from 'node:url';
import { realtime } from '@tidings/express';
import express from 'express';

const TOPIC = 'notifications';
const app = express();
const rt = realtime();

app.use('/realtime', rt);
app.use(express.static(fileURLToPath(new URL('../public', import.meta.url))));
// The browser build of @tidings/client (made by `npm run build`), imported by public/app.js.
app.get('/vendor/tidings-client.js', (_req, res) => {
  res.sendFile(fileURLToPath(import.meta.resolve('@tidings/client/browser')));
});

// Publish from anywhere in the app; here, a small JSON endpoint:
//   curl -X POST localhost:3000/api/notify -H 'content-type: application/json' -d '{"text":"hi"}'
app.post('/api/notify', express.json({ limit: '16kb' }), async (req, res, next) => {
  const text = typeof req.body?.text === 'string' ? req.body.text.trim().slice(0, 500) : '';
  if (!text) {
    res.status(400).json({ error: { code: 'invalid-request', message: 'Send {"text": "..."}' } });
    return;
  }
  try {
    const id = await rt.publish(TOPIC, { text, at: new Date().toISOString() }, { event: 'notification' });
    res.status(201).json({ id });
  } catch (error) {
    next(error);
  }
});

app.get('/api/stats', (_req, res) => {
  res.json(rt.hub.stats());
});

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
// Express 5 calls this back with the error when the server cannot listen.
const server = app.listen(port, host, (error) => {
  if (error) {
    console.error(
      error.code === 'EADDRINUSE'
        ? `Port ${port} on ${host} is already in use: stop whatever holds it, or pick another, e.g. PORT=3001 npm start`
        : `Cannot listen on ${host}:${port}: ${error.message}`,
    );
    process.exit(1);
  }
  const { address, port: actual } = server.address();
  console.log(`Tidings demo listening on http://${address}:${actual}/`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await rt.close();
    server.close(() => process.exit(0));
  });
}
