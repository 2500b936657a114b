// One cluster worker: node:http + Tidings on Redis. GET /realtime?topic=… subscribes (SSE,
// poll or long-poll); POST /api/publish?topic=… publishes its body. Every response names the
// worker that served it (x-worker), to watch the cluster spread the connections.
import cluster from 'node:cluster';
import http from 'node:http';
import { realtime } from '@tidings/node';
import { createRedisBroker } from '@tidings/redis';

const WORKER = String(cluster.worker?.id ?? process.pid);
const broker = await createRedisBroker({
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.PREFIX ?? 'cluster-demo',
});
const rt = realtime({ broker });

async function publish(req, res) {
  const topic = new URL(req.url, 'http://x').searchParams.get('topic') ?? 'demo';
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 4096) return res.writeHead(413).end();
  }
  try {
    const id = await rt.publish(topic, { text, via: WORKER });
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id, via: WORKER }));
  } catch (error) {
    res
      .writeHead(error.status ?? 500, { 'content-type': 'application/json' })
      .end(JSON.stringify(error.toJSON?.() ?? { error: { code: 'internal', message: 'failed' } }));
  }
}

const server = http.createServer((req, res) => {
  res.setHeader('x-worker', WORKER);
  const path = req.url?.split('?')[0];
  if (path === '/realtime') return rt(req, res);
  if (path === '/api/publish' && req.method === 'POST') return publish(req, res);
  res.writeHead(404).end();
});
// Port 0 in a cluster: the first worker's random port is shared by every worker.
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
server.listen(port, host);
server.on('error', (error) => {
  console.error(
    error.code === 'EADDRINUSE'
      ? `Port ${port} on ${host} is already in use: stop whatever holds it, or pick another, e.g. PORT=3001 npm start`
      : `Cannot listen on ${host}:${port}: ${error.message}`,
  );
  process.exit(1);
});

process.once('SIGTERM', async () => {
  server.close();
  await rt.close();
  await broker.close();
  process.exit(0);
});
