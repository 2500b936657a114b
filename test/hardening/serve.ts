import { createServer, type IncomingMessage } from 'node:http';
import { createHub, createNodeHandler, type HandlerOptions, type Hub, type HubOptions } from '@tidings/core';
import { listen, type TestServer } from '../helpers/server.js';

/** A hub served by the node handler on a real 127.0.0.1 server. */
export interface Served extends TestServer {
  readonly hub: Hub;
  /** When each response was over (finished or closed), epoch ms, in order. */
  readonly responseEnds: number[];
}

/** Starts a real server for `hub` (or a new hub from `hubOptions`) with the given handler options. */
export async function serve(
  handlerOptions: HandlerOptions<IncomingMessage> = {},
  hubOptions: HubOptions | Hub = {},
): Promise<Served> {
  const hub = 'publish' in hubOptions ? (hubOptions as Hub) : createHub(hubOptions as HubOptions);
  const handle = createNodeHandler<IncomingMessage>(hub, handlerOptions);
  const responseEnds: number[] = [];
  const http = createServer((req, res) => {
    res.once('close', () => responseEnds.push(Date.now()));
    void handle(req, res, req);
  });
  // Tests open a thousand connections at once: a backlog above node's default 511 keeps the
  // kernel from dropping handshakes (and the client from backing off for seconds).
  const listenWithBacklog = http.listen.bind(http);
  http.listen = ((port: number, host: string, callback: () => void) =>
    listenWithBacklog(port, host, 4096, callback)) as typeof http.listen;
  const server = await listen(http);
  return {
    ...server,
    hub,
    responseEnds,
    close: async () => {
      await server.close();
      await hub.close();
    },
  };
}

/** Reads the JSON error body of a refused request. */
export async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return body.error;
}
