import { subscribe, type TidingsEvent } from '@tidings/client';
import { mintToken, tokenAuth } from '@tidings/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Served, serve } from './serve.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const EVENTS = 30;

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

describe('the whole token cycle with @tidings/client', () => {
  it.each(['sse', 'long-poll'] as const)(
    'over %s: tokens expire mid-subscription, getToken supplies fresh ones, no event is lost or repeated',
    async (transport) => {
      served = await serve({ auth: tokenAuth({ secret: SECRET }) }, { retryMs: 50, retryJitterMs: 50 });
      const { hub, url } = served;
      let minted = 0;
      const getToken = () => {
        minted++;
        return mintToken({ secret: SECRET }, { topics: ['feed'], expiresInSeconds: 1 });
      };
      const received: string[] = [];
      const errors: Error[] = [];
      const sub = subscribe(`${url}/`, {
        topics: ['feed'],
        transport,
        getToken,
        longPollWaitSeconds: 1,
        onEvent: (event: TidingsEvent) => received.push(String(event.data)),
        onError: (error) => errors.push(error),
      });
      try {
        await expect.poll(() => hub.openConnections, { timeout: 5_000 }).toBeGreaterThan(0);
        // Publish across several token lifetimes (each token lives at most a second).
        for (let i = 0; i < EVENTS; i++) {
          await hub.publish('feed', String(i));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await expect.poll(() => received.length, { timeout: 10_000 }).toBe(EVENTS);
        expect(received).toEqual(Array.from({ length: EVENTS }, (_, i) => String(i)));
        expect(errors).toEqual([]);
        expect(minted).toBeGreaterThan(1);
        if (transport === 'sse') expect(hub.stats().disconnects['auth-expired']).toBeGreaterThanOrEqual(1);
      } finally {
        sub.close();
      }
    },
    30_000,
  );
});
