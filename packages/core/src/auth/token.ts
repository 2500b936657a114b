import type { KeyObject } from 'node:crypto';
import {
  errors,
  importJWK,
  importSPKI,
  type JWK,
  type JWSHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  type KeyLike,
} from 'jose';
import { TidingsError } from '../wire/errors.js';
import type { RealtimeRequest } from '../wire/transport.js';
import { readToken, type TokenSourceOptions } from './token-source.js';
import { TopicGrant } from './topic-pattern.js';

/** Signature algorithms accepted for subscription tokens. */
export type TokenAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'ES256'
  | 'ES384'
  | 'RS256'
  | 'RS384'
  | 'PS256'
  | 'EdDSA';

/** How {@link tokenAuth} verifies tokens: exactly one of `secret`, `publicKey` or `keys`. */
export interface TokenAuthOptions extends TokenSourceOptions {
  /** Shared HMAC secret (HS256), at least 32 bytes. */
  secret?: string | Uint8Array;
  /** Public key for ES256 / RS256 tokens: a PEM (SPKI) string, a JWK, a `CryptoKey` or a `KeyObject`. */
  publicKey?: string | JWK | KeyLike | KeyObject;
  /** A key resolver, e.g. jose's `createRemoteJWKSet(url)`; requires `algorithms`. */
  keys?: JWTVerifyGetKey;
  /** Accepted algorithms. Default `['HS256']` with `secret`, `['ES256', 'RS256']` otherwise. */
  algorithms?: TokenAlgorithm[];
  /** Required `iss` claim, if any. */
  issuer?: string;
  /** Required `aud` claim, if any. */
  audience?: string;
  /** Clock skew tolerated when checking `exp` and `nbf`, seconds. Default 0. */
  clockToleranceSeconds?: number;
}

/** What a verified token allows. */
export interface TokenClaims {
  /** The topics the token grants (exact names and `prefix*` patterns). */
  readonly grant: TopicGrant;
  /** When the token expires (its `exp`), epoch ms. Open streams are closed then. */
  readonly expiresAt: number;
  /** The token's `sub`, if any (handy as a connection-limit key). */
  readonly subject: string | undefined;
  /** Every claim of the token. */
  readonly payload: JWTPayload;
}

/** Verifies the signed subscription token of a request; see {@link tokenAuth}. */
export interface TokenAuth {
  /** Throws `unauthorized` (401) when the token is missing, malformed, badly signed or expired. */
  verify(req: RealtimeRequest): Promise<TokenClaims>;
}

/** Shortest HMAC secret accepted: the size of the SHA-256 output. */
const MIN_SECRET_BYTES = 32;

/**
 * Stateless subscription tokens: JWTs whose `topics` claim lists the topics (and `prefix*`
 * patterns) the bearer may subscribe to, and whose `exp` bounds how long. Any node holding
 * the key verifies any request — no session store. Pass the result as the handler's `auth`.
 */
export function tokenAuth(options: TokenAuthOptions): TokenAuth {
  const sources = [options.secret, options.publicKey, options.keys].filter((key) => key !== undefined);
  if (sources.length !== 1) {
    throw new TypeError('Tidings: tokenAuth needs exactly one of secret, publicKey or keys');
  }
  if (options.keys && !options.algorithms)
    throw new TypeError('Tidings: tokenAuth with keys needs algorithms');
  const algorithms = options.algorithms ?? (options.secret !== undefined ? ['HS256'] : ['ES256', 'RS256']);
  const key = verificationKey(options);
  const verifyOptions = {
    algorithms,
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockToleranceSeconds ?? 0,
    requiredClaims: ['exp'],
  };
  return {
    async verify(req) {
      const token = readToken(req, options);
      if (token === undefined) throw new TidingsError('unauthorized', 'A subscription token is required');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, verifyOptions));
      } catch (error) {
        throw new TidingsError('unauthorized', describe(error), { cause: error });
      }
      const topics = payload.topics;
      if (!Array.isArray(topics)) throw new TidingsError('unauthorized', 'Token has no topics claim');
      return {
        grant: new TopicGrant(topics),
        expiresAt: (payload.exp as number) * 1000,
        subject: payload.sub,
        payload,
      };
    },
  };
}

/** The key to verify with, always as a key-getter so `jwtVerify` has one signature to match. */
function verificationKey(options: TokenAuthOptions): JWTVerifyGetKey {
  if (options.keys) return options.keys;
  if (options.secret !== undefined) {
    const secret =
      typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    if (secret.byteLength < MIN_SECRET_BYTES) {
      throw new RangeError(`Tidings: tokenAuth secret must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    return () => secret;
  }
  const publicKey = options.publicKey;
  if (typeof publicKey === 'string' || isJwk(publicKey)) {
    // A PEM or JWK is imported once per algorithm the tokens use.
    const imported = new Map<string, Promise<KeyLike | Uint8Array>>();
    return (header: JWSHeaderParameters) => {
      const alg = header.alg ?? '';
      let key = imported.get(alg);
      if (!key) {
        key = typeof publicKey === 'string' ? importSPKI(publicKey, alg) : importJWK(publicKey, alg);
        imported.set(alg, key);
      }
      return key;
    };
  }
  const key = publicKey as KeyLike | KeyObject;
  return () => key;
}

function isJwk(key: unknown): key is JWK {
  return typeof key === 'object' && key !== null && 'kty' in key;
}

/** A short reason for the 401 body; never echoes the token. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'Token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `Token claim "${error.claim}" is not valid`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'Token algorithm not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'Token signature is not valid';
  return 'Token is not valid';
}
