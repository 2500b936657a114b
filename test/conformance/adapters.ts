import { createServer } from 'node:http';
import fastifyCompress from '@fastify/compress';
import { getRequestListener } from '@hono/node-server';
import { realtime } from '@tidings/express';
import { realtime as fastifyRealtime } from '@tidings/fastify';
import { realtime as fetchRealtime } from '@tidings/fetch';
import { realtime as koaRealtime } from '@tidings/koa';
import { realtime as nodeRealtime } from '@tidings/node';
import compression from 'compression';
import express from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { compress as honoCompress } from 'hono/compress';
import Koa from 'koa';
import koaCompress from 'koa-compress';
import { listen, type TestServer } from '../helpers/server.js';
import type { AdapterUnderTest, StartedApp } from './harness.js';

/** Express 5 (the peer range's current major) and Express 4, which the adapter also supports. */
function expressAdapter(name: string, createApp: () => express.Express): AdapterUnderTest {
  return {
    name,
    async start({ compression: compress, ...options } = {}) {
      const app = createApp();
      if (compress) app.use(compression());
      const rt = realtime(options);
      app.use('/realtime', rt);
      const server = await listen(app);
      return {
        url: `${server.url}/realtime`,
        hub: rt.hub,
        close: async () => {
          await rt.close();
          await server.close();
        },
      };
    },
  };
}

/** Closes the hub, then the server (destroying its sockets). */
function started(server: TestServer, rt: { hub: StartedApp['hub']; close(): Promise<void> }): StartedApp {
  return {
    url: `${server.url}/realtime`,
    hub: rt.hub,
    close: async () => {
      await rt.close();
      await server.close();
    },
  };
}

const koaAdapter: AdapterUnderTest = {
  name: 'koa',
  async start({ compression: compress, ...options } = {}) {
    const app = new Koa();
    if (compress) app.use(koaCompress({ threshold: 0 }));
    const rt = koaRealtime({ ...options, path: '/realtime' });
    app.use(rt);
    return started(await listen(app.callback()), rt);
  },
};

const fastifyAdapter: AdapterUnderTest = {
  name: 'fastify',
  async start({ compression: compress, ...options } = {}) {
    const app = Fastify();
    if (compress) await app.register(fastifyCompress, { threshold: 0 });
    await app.register(fastifyRealtime, { ...options, prefix: '/realtime' });
    await app.ready();
    const server = await listen(app.server);
    // Closing Fastify runs the plugin's onClose, which closes the hub.
    return started(server, { hub: app.realtime.hub, close: () => app.close() });
  },
};

/** node:http has no standard compression middleware: `compression` is ignored. */
const nodeAdapter: AdapterUnderTest = {
  name: 'node:http',
  async start({ compression: _none, ...options } = {}) {
    const rt = nodeRealtime(options);
    const server = createServer((req, res) => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname === '/realtime') void rt(req, res);
      else res.writeHead(404).end();
    });
    return started(await listen(server), rt);
  },
};

/** Routed by Hono, served by @hono/node-server; `compression` mounts `hono/compress`. */
const fetchAdapter: AdapterUnderTest = {
  name: 'fetch (hono)',
  async start({ compression: compress, ...options } = {}) {
    const app = new Hono();
    if (compress) app.use(honoCompress({ threshold: 0 }));
    const rt = fetchRealtime(options);
    app.all('/realtime', (c) => rt(c.req.raw));
    return started(await listen(getRequestListener(app.fetch)), rt);
  },
};

/** Every adapter the conformance suite runs against. */
export const adapters: AdapterUnderTest[] = [
  expressAdapter('express', express),
  // Express 4's app type differs from 5's only in its typings; the middleware is the same.
  expressAdapter('express 4', express4 as unknown as () => express.Express),
  koaAdapter,
  fastifyAdapter,
  nodeAdapter,
  fetchAdapter,
];
