import type { KeyObject } from 'node:crypto';
import { importJWK, importPKCS8, type JWK, type KeyLike, SignJWT } from 'jose';
import type { TokenAlgorithm } from './token.js';
import { isValidTopicPattern } from './topic-pattern.js';

/** The key a server signs subscription tokens with. */
export type SigningKey =
  | { secret: string | Uint8Array }
  | { privateKey: string | JWK | KeyLike | KeyObject; algorithm: TokenAlgorithm };

/** What a minted token grants. */
export interface MintTokenOptions {
  /** Exact topics and `prefix*` patterns, e.g. `['user:42', 'user:42:*']`. */
  topics: readonly string[];
  /** Lifetime, seconds (at least; `exp` is rounded up to a whole second). Keep it short (minutes). */
  expiresInSeconds: number;
  /** `sub` claim, e.g. the user id. */
  subject?: string;
  issuer?: string;
  audience?: string;
}

/**
 * Signs a subscription token for {@link tokenAuth}: HS256 with a shared `secret`, or the
 * given algorithm with a private key (PEM PKCS#8, JWK, `CryptoKey` or `KeyObject`).
 * Throws a `TypeError` for a malformed topic pattern, so a bad grant never leaves the server.
 */
export async function mintToken(key: SigningKey, options: MintTokenOptions): Promise<string> {
  for (const topic of options.topics) {
    if (!isValidTopicPattern(topic))
      throw new TypeError(`Tidings: invalid topic pattern ${JSON.stringify(topic)}`);
  }
  if (!(Number.isFinite(options.expiresInSeconds) && options.expiresInSeconds > 0)) {
    throw new RangeError('Tidings: expiresInSeconds must be a positive number');
  }
  const algorithm = 'secret' in key ? 'HS256' : key.algorithm;
  const jwt = new SignJWT({ topics: [...options.topics] })
    .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(Math.ceil(Date.now() / 1000 + options.expiresInSeconds));
  if (options.subject !== undefined) jwt.setSubject(options.subject);
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt.setAudience(options.audience);
  return jwt.sign(await signingKey(key));
}

async function signingKey(key: SigningKey): Promise<Uint8Array | KeyLike | KeyObject> {
  if ('secret' in key)
    return typeof key.secret === 'string' ? new TextEncoder().encode(key.secret) : key.secret;
  const { privateKey, algorithm } = key;
  if (typeof privateKey === 'string') return importPKCS8(privateKey, algorithm);
  if ('kty' in privateKey && typeof privateKey.kty === 'string')
    return importJWK(privateKey as JWK, algorithm);
  return privateKey as KeyLike | KeyObject;
}
