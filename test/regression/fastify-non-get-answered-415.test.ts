import { realtime } from '@tidings/fastify';
import Fastify from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { listen, type TestServer } from '../helpers/server.js';

// Fastify parsed request bodies before the Tidings route ran, so a PUT/POST with an unknown
// content type got Fastify's 415 instead of the protocol's 405 `method-not-allowed` that
// every other adapter answers.
let server: TestServer | undefined;
const app = Fastify();
afterEach(async () => {
  await app.close();
  await server?.close();
});

it('answers a non-GET with any body 405 method-not-allowed, not 415', async () => {
  await app.register(realtime, { prefix: '/realtime' });
  await app.ready();
  server = await listen(app.server);
  for (const contentType of ['application/x-unknown', 'application/json', 'text/plain']) {
    const response = await fetch(`${server.url}/realtime?topic=a`, {
      method: 'PUT',
      headers: { 'content-type': contentType },
      body: contentType === 'application/json' ? '{"broken' : 'x',
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(await response.json()).toMatchObject({ error: { code: 'method-not-allowed' } });
  }
});
