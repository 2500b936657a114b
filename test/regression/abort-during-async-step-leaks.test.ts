import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { createFetchHandler, createNodeHandler, Hub } from '@tidings/core';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type TestServer } from '../helpers/server.js';

/**
 * Regression: a client that hung up while an async step (here `authorize`) ran before its
 * stream or long-poll was registered left its limiter slot, its heartbeat membership and its
 * topic channel behind forever — the close callback was registered on a response that had
 * already closed, and was never called. Past `maxConnections` the server then answered 429
 * to everyone.
 */
let server: TestServer | undefined;
let hub: Hub | undefined;
afterEach(async () => {
  await hub?.close();
  await server?.close();
});

/** Sends a raw request and hangs up as soon as `authorize` is running. */
async function abortDuringAuthorize(url: string, query: string, authorizing: Promise<void>): Promise<void> {
  const accept = query.includes('wait=') ? '' : 'Accept: text/event-stream\r\n';
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  socket.on('error', () => {});
  socket.write(`GET /?${query} HTTP/1.1\r\nHost: x\r\n${accept}\r\n`);
  await authorizing;
  socket.destroy();
  await once(socket, 'close');
}

function expectBaseline(target: Hub) {
  expect(target.openConnections).toBe(0);
  expect(target.stats().topics).toBe(0);
  expect(target.heartbeat.size).toBe(0);
  expect(target.limiter.snapshot()).toMatchObject({ open: 0, longPolls: 0, keys: 0 });
}

describe.each([
  ['SSE', 'topic=a'],
  ['long-poll', 'topic=a&wait=30'],
])('%s aborted during an async authorize (node:http)', (_name, query) => {
  it('releases its slot, heartbeat membership and topic channel', async () => {
    const current = new Hub({ limits: { maxConnections: 1 } });
    hub = current;
    let authorizing: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      authorizing = resolve;
    });
    let served = 0;
    const handle = createNodeHandler<IncomingMessage>(current, {
      connectionKey: () => 'one-client',
      // The first request's returns only once the server saw its client hang up.
      authorize: async (req) => {
        if (served++ > 0) return true;
        authorizing();
        if (!req.socket.destroyed) await once(req.socket, 'close');
        return true;
      },
    });
    let settled = false;
    server = await listen((req, res) => {
      if (served === 0) void handle(req, res, req).then(() => (settled = true));
      else void handle(req, res, req);
    });
    await abortDuringAuthorize(server.url, query, reached);
    // The handler returns at once, not when a long-poll's 30 s wait runs out.
    await expect.poll(() => settled, { timeout: 10_000 }).toBe(true);
    expectBaseline(current);
    // The one slot is free again: the next client is served, not refused with 429.
    const next = await fetch(`${server.url}/?topic=a`);
    expect(next.status).toBe(200);
  });
});

it('releases SSE requests pipelined behind an open stream when the connection dies', async () => {
  const current = new Hub();
  hub = current;
  const handle = createNodeHandler<IncomingMessage>(current);
  server = await listen((req, res) => void handle(req, res, req));
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  socket.on('error', () => {});
  const request = 'GET /?topic=a HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n';
  socket.write(request.repeat(3));
  // The first stream is live; the other two wait for a turn that never comes.
  await expect.poll(() => current.stats().connections.sse).toBe(3);
  socket.destroy();
  await expect.poll(() => current.openConnections, { timeout: 10_000 }).toBe(0);
  expectBaseline(current);
});

describe('fetch adapter', () => {
  it('fetch: a request whose signal aborted during authorize leaves nothing behind', async () => {
    const current = new Hub();
    hub = current;
    const controller = new AbortController();
    const handle = createFetchHandler<Request>(current, {
      authorize: async () => {
        controller.abort();
        return true;
      },
    });
    const request = new Request('http://x/?topic=a', {
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    const response = await handle(request, request);
    expect(response.status).toBe(499);
    expectBaseline(current);
  });
});
