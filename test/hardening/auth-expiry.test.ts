import { AUTH_EXPIRED_FRAME, EXPIRY_RESOLUTION_MS, mintToken, tokenAuth } from '@tidings/core';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { type Served, serve } from './serve.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
let served: Served | undefined;
const streams: SseConnection[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await served?.close();
  served = undefined;
});

const mint = (expiresInSeconds: number) =>
  mintToken({ secret: SECRET }, { topics: ['feed'], expiresInSeconds });

describe('token expiry on open streams', () => {
  it('sends event: auth-expired when the token runs out, closes, and a fresh token resumes with no loss', async () => {
    served = await serve({ auth: tokenAuth({ secret: SECRET }) });
    const { hub, url } = served;
    const token = await mint(2);
    const expiresAt = (decodeJwt(token).exp as number) * 1000;
    const first = await openSse(`${url}/?topic=feed`, { authorization: `Bearer ${token}` });
    streams.push(first);
    await hub.publish('feed', 'one');
    await hub.publish('feed', 'two');
    await first.waitForEvents(2);
    const lastId = first.lastEventId;

    await first.ended;
    const endedAt = Date.now();
    expect(endedAt).toBeGreaterThanOrEqual(expiresAt);
    expect(first.events.at(-1)).toMatchObject({ event: 'auth-expired', data: '{"reason":"expired"}' });
    expect(first.lastEventId).toBe(lastId); // the auth-expired event carries no id
    expect(hub.stats().disconnects['auth-expired']).toBe(1);
    expect(hub.expiry.size).toBe(0);

    // Published while the client fetches a new token.
    await hub.publish('feed', 'three');
    const refused = await fetch(`${url}/?topic=feed`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    });
    expect(refused.status).toBe(401);

    const second = await openSse(`${url}/?topic=feed`, {
      authorization: `Bearer ${await mint(60)}`,
      'last-event-id': lastId ?? '',
    });
    streams.push(second);
    await hub.publish('feed', 'four');
    const resumed = await second.waitForEvents(2);
    expect(resumed.map((event) => event.data)).toEqual(['three', 'four']);
  });

  it('keeps one shared schedule: streams with tokens do not add timers, and leave it when they close', async () => {
    served = await serve({ auth: tokenAuth({ secret: SECRET }) });
    const { hub, url } = served;
    const token = await mint(600);
    const opened = await Promise.all(
      Array.from({ length: 20 }, () => openSse(`${url}/?topic=feed`, { authorization: `Bearer ${token}` })),
    );
    streams.push(...opened);
    await hub.publish('feed', 'x');
    await Promise.all(opened.map((stream) => stream.waitForEvents(1)));
    expect(hub.expiry.size).toBe(20);
    for (const stream of opened) stream.close();
    await expect.poll(() => hub.expiry.size).toBe(0);
  });

  it('documents its granularity and frame', () => {
    expect(EXPIRY_RESOLUTION_MS).toBe(1000);
    expect(AUTH_EXPIRED_FRAME).toBe('event: auth-expired\ndata: {"reason":"expired"}\n\n');
  });
});
