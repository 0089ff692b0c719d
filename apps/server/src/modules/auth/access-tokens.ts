import { createHmac, timingSafeEqual, webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Role } from '@smart-token/contracts';
import { newId } from '../../lib/ids.js';

export const ACCESS_TOKEN_TTL_SECONDS = 30 * 60;
const ISSUER = 'smart-token';
const AUDIENCE = 'smart-token-api';
const TYPE = 'at+jwt';

export interface AccessClaims {
  userId: string;
  sessionId: string;
  role: Role;
}

type HmacKey = webcrypto.CryptoKey;
const keys = new WeakMap<Uint8Array, Promise<HmacKey>>();

/** The HMAC key imported once per secret: jose would import a raw secret again on every request. */
function hmacKey(secret: Uint8Array): Promise<HmacKey> {
  let key = keys.get(secret);
  if (!key) {
    key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

/** Stamped with the app's clock, as verifyAccessToken checks it. */
export async function signAccessToken(secret: Uint8Array, claims: AccessClaims, nowSeconds: number): Promise<string> {
  return new SignJWT({ sid: claims.sessionId, role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: TYPE })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setJti(newId())
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ACCESS_TOKEN_TTL_SECONDS)
    .sign(await hmacKey(secret));
}

/** Tokens already verified, until they expire: a token never changes, and WebCrypto's HMAC costs ~0.3 ms a call. */
const verified = new Map<string, { claims: AccessClaims; expiresAtMs: number; secret: Uint8Array }>();
const MAX_VERIFIED = 10_000;
const CLOCK_TOLERANCE_S = 30;

/** Verifies with the algorithm pinned (RFC 8725 §3.1); returns undefined for anything not ours. */
export async function verifyAccessToken(secret: Uint8Array, token: string, nowMs: number): Promise<AccessClaims | undefined> {
  const known = verified.get(token);
  if (known && known.secret === secret && nowMs < known.expiresAtMs + CLOCK_TOLERANCE_S * 1000) return known.claims;
  const claims = await verifyWithJose(secret, token, nowMs);
  if (claims) {
    if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
    verified.set(token, { claims: claims.claims, expiresAtMs: claims.expiresAtMs, secret });
  }
  return claims?.claims;
}

async function verifyWithJose(secret: Uint8Array, token: string, nowMs: number): Promise<{ claims: AccessClaims; expiresAtMs: number } | undefined> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: TYPE,
      clockTolerance: CLOCK_TOLERANCE_S,
      // Checked against the app's clock, the same one that signed it (tests run on a manual clock).
      currentDate: new Date(nowMs),
      requiredClaims: ['exp', 'iat', 'sub', 'sid', 'jti'],
    });
    if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return undefined;
    return { claims: { userId: payload.sub, sessionId: payload.sid, role: payload.role as Role }, expiresAtMs: payload.exp * 1000 };
  } catch {
    return undefined;
  }
}

/** Signed double-submit CSRF token, bound to the session: nothing to store, nothing to guess. */
export function csrfTokenFor(secret: Uint8Array, sessionId: string): string {
  return createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url');
}

export function csrfTokenMatches(secret: Uint8Array, sessionId: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(secret, sessionId));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
