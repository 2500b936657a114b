import { createServer } from 'node:http';
import { type Broker, createHub, createNodeHandler } from '@tidings/core';

/**
 * The body of one app node process (see app-process.ts): a hub on the broker the factory
 * makes, serving the realtime endpoint plus `POST /publish?topic=` (body = data), on
 * 127.0.0.1 port 0. Prints `listening <url>` once ready.
 */
export async function serveAppNode(createBroker: () => Promise<Broker>): Promise<void> {
  const hub = createHub({ broker: await createBroker(), heartbeatMs: 1_000 });
  const realtime = createNodeHandler(hub);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://node');
    if (req.method === 'POST' && url.pathname === '/publish') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      try {
        const id = await hub.publish(url.searchParams.get('topic') ?? '', Buffer.concat(chunks).toString());
        res.writeHead(200, { 'content-type': 'text/plain' }).end(id);
      } catch (error) {
        res.writeHead(503).end(String(error));
      }
      return;
    }
    realtime(req, res, undefined).catch(() => res.destroy());
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(`listening http://127.0.0.1:${port}\n`);
  });
}
