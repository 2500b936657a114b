import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { type ClientTestApp, startApp } from './app.js';

let app: ClientTestApp;
let stream: SseConnection | undefined;

beforeEach(async () => {
  app = await startApp({ heartbeatMs: 2_000 });
});
afterEach(async () => {
  stream?.close();
  await app.close();
});

it('the server announces its heartbeat interval, from which the client derives its stall bound', async () => {
  stream = await openSse(`${app.url}?topic=t`);
  expect(stream.headers.get('tidings-heartbeat-ms')).toBe('2000');
});
