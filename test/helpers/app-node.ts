import { type Broker, createHub, createNodeHandler, type Hub, type HubOptions } from '@tidings/core';
import { listen } from './server.js';

/** One in-process app node: a hub on `broker`, served over real HTTP on 127.0.0.1. */
export interface AppNode {
  readonly url: string;
  readonly hub: Hub;
  /** The realtime endpoint with `?topic=` for each topic. */
  endpoint(...topics: string[]): string;
  close(): Promise<void>;
}

export async function startNode(broker: Broker, options: HubOptions = {}): Promise<AppNode> {
  const hub = createHub({ ...options, broker });
  const handle = createNodeHandler(hub);
  const server = await listen((req, res) => {
    handle(req, res, undefined).catch(() => res.destroy());
  });
  return {
    url: server.url,
    hub,
    endpoint: (...topics) =>
      `${server.url}/?${topics.map((t) => `topic=${encodeURIComponent(t)}`).join('&')}`,
    async close() {
      await hub.close();
      await server.close();
    },
  };
}
