import { subscribe } from '@tidings/client';
import { afterEach, expect, it } from 'vitest';
import { type ClientTestApp, startApp } from '../client/app.js';

// Issue 13: an exception thrown by onEvent ended the stream and the client reconnected,
// silently; it is the app's bug, reported through onError, and the stream stays.

let app: ClientTestApp;
afterEach(async () => {
  await app.close();
});

it('an exception thrown by onEvent is reported and the stream stays open', async () => {
  app = await startApp({ retryMs: 50, retryJitterMs: 50 });
  const errors: string[] = [];
  let received = 0;
  const sub = subscribe(app.url, {
    topics: ['t'],
    transport: 'sse',
    onEvent() {
      received++;
      throw new Error('app bug');
    },
    onError: (error) => errors.push(error.message),
  });
  try {
    await expect.poll(() => sub.lastEventId, { timeout: 10_000 }).toBeDefined();
    await app.publishMany('t', 0, 3);
    await expect.poll(() => received, { timeout: 10_000 }).toBe(3);
    expect(errors).toEqual(['app bug', 'app bug', 'app bug']);
    expect(app.requests.sse).toBe(1);
  } finally {
    sub.close();
  }
});
