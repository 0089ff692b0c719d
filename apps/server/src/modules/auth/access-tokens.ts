import { createHmac, timingSafeEqual } from 'node:crypto';
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
    .sign(secret);
}

/** Verifies with the algorithm pinned (RFC 8725 §3.1); returns undefined for anything not ours. */
export async function verifyAccessToken(secret: Uint8Array, token: string, nowMs: number): Promise<AccessClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: TYPE,
      clockTolerance: 30,
      // Checked against the app's clock, the same one that signed it (tests run on a manual clock).
      currentDate: new Date(nowMs),
      requiredClaims: ['exp', 'iat', 'sub', 'sid', 'jti'],
    });
    if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string') return undefined;
    return { userId: payload.sub, sessionId: payload.sid, role: payload.role as Role };
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
