import { createServer, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createHub, createNodeHandler } from '@tidings/core';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse-client.js';

/**
 * Slowloris: clients that open connections and trickle their headers forever. Tidings never
 * sees such a request — node's HTTP server owns it — so the defence is the app's server
 * settings, which SECURITY.md recommends: `headersTimeout` (whole header block) and
 * `requestTimeout` (whole request) close them; an SSE response is not affected, because a
 * GET request is complete once its headers are in.
 */
const HEADERS_TIMEOUT_MS = 1_000;
const HALF_OPEN = 300;

let server: TestServer | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close();
  server = undefined;
});

describe('slowloris', () => {
  it(`closes ${HALF_OPEN} trickling requests at headersTimeout and keeps serving everyone else`, async () => {
    const hub = createHub({ heartbeatMs: 1_000 });
    const handle = createNodeHandler<IncomingMessage>(hub);
    server = await listen(
      createServer(
        { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 2_000, connectionsCheckingInterval: 200 },
        (req, res) => void handle(req, res, req),
      ),
    );
    const { port } = new URL(server.url);
    const stream = await openSse(`${server.url}/?topic=a`);
    const streamOpened = Date.now();

    let closedByServer = 0;
    const trickle = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write('X-a: b\r\n');
    }, 200);
    await Promise.all(
      Array.from(
        { length: HALF_OPEN },
        () =>
          new Promise<void>((resolve) => {
            const socket = connect(Number(port), '127.0.0.1', () => {
              socket.write('GET /?topic=a HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n');
              resolve();
            });
            socket.on('error', () => {});
            socket.once('close', () => closedByServer++);
            sockets.push(socket);
          }),
      ),
    );

    // Meanwhile, a normal poll is answered at once.
    const poll = await fetch(`${server.url}/?topic=a`);
    expect(poll.status).toBe(200);

    const started = Date.now();
    await expect.poll(() => closedByServer, { timeout: 10_000, interval: 100 }).toBe(HALF_OPEN);
    clearInterval(trickle);
    console.info(
      `slowloris: ${HALF_OPEN} half-open requests closed ${Date.now() - started} ms after the flood`,
    );
    expect(hub.openConnections).toBe(1); // none of them ever reached Tidings

    // The SSE stream outlives headersTimeout and requestTimeout (plus a check interval) and still delivers.
    const outlive = 2_000 + 400 - (Date.now() - streamOpened);
    if (outlive > 0) await new Promise((resolve) => setTimeout(resolve, outlive));
    await hub.publish('a', 'still here');
    expect((await stream.waitForEvents(1))[0]?.data).toBe('still here');
    stream.close();
    await hub.close();
  });
});
