import { mintToken } from '@tidings/core';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';

// mintToken rounded `exp` down to the whole second, so a token asked to live 1 s could expire
// a few milliseconds after minting — and a client's fresh token be refused as expired.
describe('regression: mintToken lifetime', () => {
  it('gives a token at least the requested lifetime', async () => {
    for (let i = 0; i < 20; i++) {
      const before = Date.now();
      const token = await mintToken(
        { secret: 'a-test-secret-of-at-least-32-bytes!!' },
        { topics: ['a'], expiresInSeconds: 1 },
      );
      expect((decodeJwt(token).exp as number) * 1000).toBeGreaterThanOrEqual(before + 1000);
    }
  });
});
