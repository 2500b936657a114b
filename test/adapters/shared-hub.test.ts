import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createHub } from '@tidings/core';
import { realtime as expressRealtime } from '@tidings/express';
import { realtime as fastifyRealtime } from '@tidings/fastify';
import { realtime as fetchRealtime } from '@tidings/fetch';
import { realtime as koaRealtime } from '@tidings/koa';
import { realtime as nodeRealtime } from '@tidings/node';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listen, type TestServer } from '../helpers/server.js';
import { openSse, type SseConnection } from '../helpers/sse-client.js';

describe('one hub shared by every adapter', () => {
  const servers: TestServer[] = [];
  const streams: SseConnection[] = [];
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    for (const server of servers.splice(0)) await server.close();
  });

  it('delivers one publish, with one id, to subscribers of all five adapters', async () => {
    // e.g. a worker module owns the hub and publishes; every server only serves it.
    const hub = createHub();
    const node = nodeRealtime({ hub });
    const fetchHandler = fetchRealtime({ hub });
    const koa = new Koa().use(koaRealtime({ hub }));
    const expressApp = express().use('/', expressRealtime({ hub }));
    const fastify = Fastify();
    await fastify.register(fastifyRealtime, { hub, prefix: '/' });
    await fastify.ready();

    const listeners = [
      await listen(createServer(node)),
      await listen(getRequestListener(fetchHandler)),
      await listen(koa.callback()),
      await listen(expressApp),
      await listen(fastify.server),
    ];
    servers.push(...listeners);
    for (const server of listeners) streams.push(await openSse(`${server.url}/?topic=shared`));
    await vi.waitFor(() => expect(hub.stats()).toMatchObject({ connections: { sse: 5 }, topics: 1 }));

    const fromWorker = await hub.publish('shared', 'from the worker');
    const fromAdapter = await node.publish('shared', 'from an adapter');
    for (const stream of streams) {
      const events = await stream.waitForEvents(2);
      expect(events.map(({ id, data }) => ({ id, data }))).toEqual([
        { id: fromWorker, data: 'from the worker' },
        { id: fromAdapter, data: 'from an adapter' },
      ]);
    }
    expect(fetchHandler.hub).toBe(hub);
    expect(fastify.realtime.hub).toBe(hub);

    await fastify.close(); // closing one server's Fastify closes the shared hub and ends every stream
    await Promise.all(streams.map((stream) => stream.ended));
    expect(hub.closed).toBe(true);
  });
});
