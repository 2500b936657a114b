import { generateKeyPairSync } from 'node:crypto';
import { mintToken, type SigningKey, type TokenAuthOptions, tokenAuth } from '@tidings/core';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { errorOf, type Served, serve } from './serve.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
let served: Served | undefined;
const streams: SseConnection[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await served?.close();
  served = undefined;
});

async function start(options: TokenAuthOptions = { secret: SECRET }) {
  served = await serve({ auth: tokenAuth({ cookie: 'rt', ...options }) });
  return served;
}

const hs: SigningKey = { secret: SECRET };
const poll = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

describe('signed subscription tokens', () => {
  it('refuses a request without a token with 401 unauthorized', async () => {
    const { url } = await start();
    const response = await poll(`${url}/?topic=a`);
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: 'unauthorized' });
  });

  it('accepts the token from Authorization: Bearer, a cookie, or the token query parameter', async () => {
    const { url } = await start();
    const token = await mintToken(hs, { topics: ['a'], expiresInSeconds: 60 });
    expect((await poll(`${url}/?topic=a`, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await poll(`${url}/?topic=a`, { cookie: `other=1; rt=${token}` })).status).toBe(200);
    expect((await poll(`${url}/?topic=a&token=${token}`)).status).toBe(200);
    const stream = await openSse(`${url}/?topic=a&token=${token}`);
    streams.push(stream);
    expect(stream.status).toBe(200);
  });

  it('rejects expired, badly signed, unsigned and wrong-algorithm tokens without echoing them', async () => {
    const { url } = await start();
    const now = Math.floor(Date.now() / 1000);
    const key = new TextEncoder().encode(SECRET);
    const expired = await new SignJWT({ topics: ['a'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(now - 5)
      .sign(key);
    const otherKey = await mintToken(
      { secret: 'another-secret-that-is-32-bytes-long!' },
      { topics: ['a'], expiresInSeconds: 60 },
    );
    const noExpiry = await new SignJWT({ topics: ['a'] }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    const [header, payload] = (await mintToken(hs, { topics: ['a'], expiresInSeconds: 60 })).split('.');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    const hs512 = await new SignJWT({ topics: ['a'] })
      .setProtectedHeader({ alg: 'HS512' })
      .setExpirationTime(now + 60)
      .sign(key);
    const cases: Array<[string, RegExp]> = [
      [expired, /expired/],
      [otherKey, /signature/],
      [noExpiry, /exp/],
      [unsigned, /not (valid|accepted)/],
      [hs512, /algorithm/],
      [`${header}.garbage`, /not valid/],
    ];
    for (const [token, reason] of cases) {
      const response = await poll(`${url}/?topic=a`, { authorization: `Bearer ${token}` });
      expect(response.status).toBe(401);
      const error = await errorOf(response);
      expect(error.code).toBe('unauthorized');
      expect(error.message).toMatch(reason);
      expect(error.message).not.toContain(token.slice(0, 20));
    }
  });

  it('verifies ES256 and RS256 tokens with a public key (PEM or KeyObject)', async () => {
    for (const [type, algorithm] of [
      ['ec', 'ES256'],
      ['rsa', 'RS256'],
    ] as const) {
      const pair =
        type === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      for (const publicKey of [pem, pair.publicKey]) {
        const { url } = await start({ publicKey });
        const token = await mintToken(
          { privateKey: pair.privateKey, algorithm },
          { topics: ['a'], expiresInSeconds: 60 },
        );
        expect((await poll(`${url}/?topic=a`, { authorization: `Bearer ${token}` })).status).toBe(200);
        // An HS256 token signed with the public key as a secret must not pass (algorithm confusion).
        const confused = await new SignJWT({ topics: ['a'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime('1m')
          .sign(new TextEncoder().encode(pem));
        expect((await poll(`${url}/?topic=a`, { authorization: `Bearer ${confused}` })).status).toBe(401);
        await served?.close();
        served = undefined;
      }
    }
  });

  it('refuses weak secrets and ambiguous configuration at start-up', () => {
    expect(() => tokenAuth({ secret: 'short' })).toThrow(/32 bytes/);
    expect(() => tokenAuth({})).toThrow(/exactly one/);
  });
});

describe('a token never widens access', () => {
  const granted = ['user:42', 'user:42:*', 'room/7'];

  it('allows exact topics and topics under a prefix pattern', async () => {
    const { url } = await start();
    const token = await mintToken(hs, { topics: granted, expiresInSeconds: 60 });
    for (const topic of ['user:42', 'user:42:inbox', 'user:42:a.b', 'room/7', 'user:42:..']) {
      const response = await poll(`${url}/?topic=${encodeURIComponent(topic)}`, {
        authorization: `Bearer ${token}`,
      });
      expect(response.status, topic).toBe(200);
    }
  });

  it('subscribes a request that names no topic to the exact topics of its token', async () => {
    const { url, hub } = await start();
    const token = await mintToken(hs, { topics: granted, expiresInSeconds: 60 });
    const stream = await openSse(`${url}/`, { authorization: `Bearer ${token}` });
    streams.push(stream);
    await hub.publish('user:43', 'not yours');
    await hub.publish('user:42:inbox', 'not subscribed');
    await hub.publish('room/7', 'room');
    await hub.publish('user:42', 'mine');
    const events = await stream.waitForEvents(2);
    expect(events.map((event) => event.data)).toEqual(['room', 'mine']);
  });

  it('denies (403) or rejects (400) every topic outside the grant, whatever its spelling', async () => {
    const { url } = await start();
    const token = await mintToken(hs, { topics: granted, expiresInSeconds: 60 });
    const forbidden = [
      'user:43',
      'user:420',
      'user:4',
      'User:42',
      'user:42:',
      'room/77',
      'room/7/x',
      'user:42x',
    ];
    const invalid = [
      'user:42:*',
      '*',
      'user:*',
      'user:42\r\nuser:43',
      'user:42\n',
      'user:42\0',
      'user：42', // fullwidth colon
      'usеr:42', // Cyrillic е
      'user:42 ',
      `user:42:${'x'.repeat(200)}`,
      'user:42,user:43',
      '',
    ];
    for (const topic of forbidden) {
      const response = await poll(`${url}/?topic=${encodeURIComponent(topic)}`, {
        authorization: `Bearer ${token}`,
      });
      expect(response.status, topic).toBe(403);
      expect((await errorOf(response)).code).toBe('forbidden');
    }
    for (const topic of invalid) {
      const response = await poll(`${url}/?topic=${encodeURIComponent(topic)}`, {
        authorization: `Bearer ${token}`,
      });
      expect(response.status, JSON.stringify(topic)).toBe(400);
    }
    // One forbidden topic among granted ones denies the whole request.
    const mixed = await poll(`${url}/?topic=user:42&topic=user:43`, { authorization: `Bearer ${token}` });
    expect(mixed.status).toBe(403);
  });

  it('checks topics derived by the app hook against the token as well', async () => {
    served = await serve({ auth: tokenAuth({ secret: SECRET }), topics: () => ['admin'] });
    const token = await mintToken(hs, { topics: ['user:42'], expiresInSeconds: 60 });
    const response = await poll(`${served.url}/?topic=user:42`, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(403);
  });

  it('treats a token with a malformed pattern as invalid, and mintToken refuses to sign one', async () => {
    const { url } = await start();
    const key = new TextEncoder().encode(SECRET);
    for (const topics of [['*x'], ['a*b'], ['user:\n*'], 'user:42', [42]]) {
      const token = await new SignJWT({ topics: topics as string[] })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1m')
        .sign(key);
      const response = await poll(`${url}/?topic=user:42`, { authorization: `Bearer ${token}` });
      expect(response.status, JSON.stringify(topics)).toBe(401);
    }
    await expect(mintToken(hs, { topics: ['a b'], expiresInSeconds: 60 })).rejects.toThrow(
      /invalid topic pattern/,
    );
  });
});
