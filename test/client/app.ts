import type { RealtimeOptions } from '@tidings/express';
import { realtime } from '@tidings/express';
import express, { type Express } from 'express';
import { listen } from '../helpers/server.js';

/** A real Express app serving Tidings at `/realtime`, counting requests per transport. */
export interface ClientTestApp {
  /** Base URL, e.g. `http://127.0.0.1:4567`. */
  readonly origin: string;
  /** The Tidings endpoint. */
  readonly url: string;
  readonly port: number;
  readonly rt: ReturnType<typeof realtime>;
  /** Requests seen, by kind. */
  readonly requests: { sse: number; poll: number; longPoll: number };
  /** Publishes `count` numbered events `{ n }` on `topic`, one after the other; resolves to their ids. */
  publishMany(topic: string, from: number, count: number): Promise<string[]>;
  /** Destroys every open connection (a server-side disconnect), keeping the server up. */
  dropConnections(): void;
  close(): Promise<void>;
}

export interface AppOptions extends RealtimeOptions {
  /** Send `Connection: close` on every response (so the buffering proxy releases each poll). */
  closeAfterResponse?: boolean;
  /** Adds routes (e.g. a test page) before Tidings is mounted. */
  routes?: (app: Express) => void;
}

export async function startApp(options: AppOptions = {}): Promise<ClientTestApp> {
  const { closeAfterResponse, routes, ...hubOptions } = options;
  const app = express();
  // Behind the buffering proxy: end each response's TCP connection so the proxy releases it.
  if (closeAfterResponse) {
    app.use((_req, res, next) => {
      res.setHeader('connection', 'close');
      next();
    });
  }
  routes?.(app);
  const requests = { sse: 0, poll: 0, longPoll: 0 };
  app.use((req, _res, next) => {
    if (String(req.headers.accept).includes('text/event-stream')) requests.sse++;
    else if (req.query.wait) requests.longPoll++;
    else requests.poll++;
    next();
  });
  const rt = realtime(hubOptions);
  app.use('/realtime', rt);
  const server = await listen(app);
  const sockets = new Set<import('node:net').Socket>();
  server.server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    origin: server.url,
    url: `${server.url}/realtime`,
    port: Number(new URL(server.url).port),
    rt,
    requests,
    async publishMany(topic, from, count) {
      const ids: string[] = [];
      for (let n = from; n < from + count; n++) ids.push(await rt.publish(topic, { n }));
      return ids;
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      await rt.close();
      await server.close();
    },
  };
}
