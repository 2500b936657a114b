// One app node: Express + Tidings on the shared Redis backplane. Every node can serve every
// request — a stream, a resume, a publish — so no sticky sessions are needed.
import { fileURLToPath } from 'node:url';
import { realtime } from '@tidings/express';
import { createNatsBroker } from '@tidings/nats';
import { createRedisBroker } from '@tidings/redis';
import express from 'express';

const NODE = process.env.NODE_NAME ?? `node-${process.pid}`;
// BROKER=nats runs the same demo on NATS JetStream instead (NATS_URL, default 127.0.0.1:4222).
const broker =
  process.env.BROKER === 'nats'
    ? await createNatsBroker({ servers: process.env.NATS_URL ?? '127.0.0.1:4222', stream: 'multi_node_demo' })
    : await createRedisBroker({
        redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        prefix: 'multi-node-demo',
      });
const rt = realtime({ broker, heartbeatMs: 5_000, retryMs: 1_000, retryJitterMs: 1_000 });
const app = express();

// Which node served the response: the demo page shows it for every connection.
app.use((_req, res, next) => {
  res.setHeader('x-tidings-node', NODE);
  next();
});
app.use('/realtime', rt);
app.use(express.static(fileURLToPath(new URL('../public', import.meta.url))));
app.post('/api/publish', express.json({ limit: '4kb' }), async (req, res) => {
  const text = typeof req.body?.text === 'string' ? req.body.text.slice(0, 200) : 'tick';
  try {
    const id = await rt.publish('demo', { text, via: NODE, at: new Date().toISOString() });
    res.status(201).json({ id, via: NODE });
  } catch (error) {
    // e.g. 503 broker-unavailable while Redis is down
    res
      .status(error.status ?? 500)
      .json(error.toJSON?.() ?? { error: { code: 'internal', message: 'failed' } });
  }
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ node: NODE, port: server.address().port });
});
process.once('SIGTERM', async () => {
  await rt.close();
  await broker.close();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
