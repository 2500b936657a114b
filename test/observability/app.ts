import {
  createDebugHandler,
  createHealthHandler,
  createHub,
  createMetricsHandler,
  createNodeHandler,
  type DisconnectInfo,
  type HandlerOptions,
  type Hub,
  type HubOptions,
  type NodeRequest,
  toNodeHandler,
} from '@tidings/core';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { listen, type TestServer } from '../helpers/server.js';

/** A hub on a real server: `/realtime`, `/metrics`, `/health` and `/debug` (allowed with `x-admin: yes`). */
export interface ObservedApp {
  readonly hub: Hub;
  readonly base: string;
  /** `${base}/realtime` */
  readonly url: string;
  /** Every `onDisconnect` call so far. */
  readonly disconnects: DisconnectInfo[];
  /** Scrapes `/metrics` and parses it with a real Prometheus text-format parser. */
  scrape(): Promise<Metrics>;
  close(): Promise<void>;
}

export async function startApp(
  options: HubOptions = {},
  handlerOptions: HandlerOptions<undefined> = {},
): Promise<ObservedApp> {
  const disconnects: DisconnectInfo[] = [];
  const hub = createHub({
    ...options,
    onDisconnect(info) {
      disconnects.push(info);
      options.onDisconnect?.(info);
    },
  });
  const realtime = createNodeHandler(hub, handlerOptions);
  const routes: Record<string, (req: NodeRequest, res: Parameters<typeof realtime>[1]) => Promise<void>> = {
    '/realtime': (req, res) => realtime(req, res, undefined),
    '/metrics': toNodeHandler(createMetricsHandler(hub)),
    '/health': toNodeHandler(createHealthHandler(hub)),
    '/debug': toNodeHandler(
      createDebugHandler(hub, { authorize: (req) => req.headers['x-admin'] === 'yes' }),
    ),
  };
  const server: TestServer = await listen((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (route) void route(req, res);
    else res.writeHead(404).end();
  });
  return {
    hub,
    base: server.url,
    url: `${server.url}/realtime`,
    disconnects,
    scrape: async () =>
      new Metrics(parsePrometheusTextFormat(await (await fetch(`${server.url}/metrics`)).text())),
    close: async () => {
      await hub.close();
      await server.close();
    },
  };
}

/** Parsed metrics, read by family name and labels. */
export class Metrics {
  constructor(readonly families: PrometheusFamily[]) {}

  family(name: string): PrometheusFamily {
    const found = this.families.find((family) => family.name === name);
    if (!found) throw new Error(`no metric family ${name}`);
    return found;
  }

  /** The value of the sample of `name` whose labels include `labels`. */
  value(name: string, labels: Record<string, string> = {}): number {
    const sample = this.family(name).metrics.find((metric) =>
      Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value),
    );
    if (sample?.value === undefined) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`);
    return Number(sample.value);
  }
}
