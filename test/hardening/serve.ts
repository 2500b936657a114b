import type { IncomingMessage } from 'node:http';
import { createHub, createNodeHandler, type HandlerOptions, type Hub, type HubOptions } from '@tidings/core';
import { listen, type TestServer } from '../helpers/server.js';

/** A hub served by the node handler on a real 127.0.0.1 server. */
export interface Served extends TestServer {
  readonly hub: Hub;
}

/** Starts a real server for `hub` (or a new hub from `hubOptions`) with the given handler options. */
export async function serve(
  handlerOptions: HandlerOptions<IncomingMessage> = {},
  hubOptions: HubOptions | Hub = {},
): Promise<Served> {
  const hub = 'publish' in hubOptions ? (hubOptions as Hub) : createHub(hubOptions as HubOptions);
  const handle = createNodeHandler<IncomingMessage>(hub, handlerOptions);
  const server = await listen((req, res) => {
    void handle(req, res, req);
  });
  return {
    ...server,
    hub,
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
