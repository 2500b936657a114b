import { mintToken, tokenAuth } from '@tidings/core';
import { afterEach, describe, expect, it } from 'vitest';
import { errorOf, type Served, serve } from '../hardening/serve.js';

/**
 * Regression: any `Authorization` header that was not `Bearer` — e.g. `Basic`, which browsers
 * send on every request to a site behind HTTP auth, native EventSource included — disabled
 * the cookie and `?token=`: 401. Only a `Bearer` header is ours.
 */
const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

describe('a non-Bearer Authorization header', () => {
  it.each([
    ['Basic', `Basic ${Buffer.from('user:password').toString('base64')}`],
    ['Digest', 'Digest username="user", realm="site", nonce="abc", uri="/", response="def"'],
    ['a bare word', 'Bearerish'],
  ])('%s leaves ?token= and the cookie in force', async (_name, authorization) => {
    served = await serve({ auth: tokenAuth({ secret: SECRET, cookie: 'rt' }) });
    const token = await mintToken({ secret: SECRET }, { topics: ['a'], expiresInSeconds: 60 });
    const viaQuery = await fetch(`${served.url}/?topic=a&token=${token}`, { headers: { authorization } });
    expect(viaQuery.status).toBe(200);
    const viaCookie = await fetch(`${served.url}/?topic=a`, {
      headers: { authorization, cookie: `rt=${token}` },
    });
    expect(viaCookie.status).toBe(200);
    // Without any token it is still a 401, not a pass.
    const none = await fetch(`${served.url}/?topic=a`, { headers: { authorization } });
    expect(none.status).toBe(401);
  });

  it('a malformed Bearer header is still a 401, never a fallback to ?token=', async () => {
    served = await serve({ auth: tokenAuth({ secret: SECRET }) });
    const token = await mintToken({ secret: SECRET }, { topics: ['a'], expiresInSeconds: 60 });
    const response = await fetch(`${served.url}/?topic=a&token=${token}`, {
      headers: { authorization: 'Bearer not a token' },
    });
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: 'unauthorized' });
  });
});
