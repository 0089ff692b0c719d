import { createHmac, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { RECOVERY_CODE_COUNT, recoveryCodePattern } from '@smart-token/contracts';
import { newId, sha256 } from '../../lib/ids.js';
import { hashPassword, verifyPassword } from './passwords.js';

/** RFC 6238 as every authenticator app reads it by default: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
const TOTP_DIGITS = 6;
const TOTP_ALGORITHM = 'SHA1';
/** A code of the step before or after the current one is still accepted (clock drift, typing time). */
const TOTP_WINDOW = 1;
/** 160 bits, RFC 4226's recommended secret length. */
const TOTP_SECRET_BYTES = 20;
export const TOTP_ISSUER = 'Smart Token';
/** Recovery codes: no 0/1/o/l/i, so a code copied from paper is not misread; 10 × 31^10 ≈ 2^49.5 each. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const RECOVERY_HALF_LENGTH = 5;

/** The key that seals TOTP secrets at rest: derived from the app's secret, never stored. */
export const totpSealingKey = (jwtSecret: Uint8Array): Buffer => createHmac('sha256', jwtSecret).update('totp-secret-sealing').digest();

export const newTotpSecret = (): string => new Secret({ size: TOTP_SECRET_BYTES }).base32;

function totpOf(secretBase32: string, label = '', issuer = TOTP_ISSUER): TOTP {
  return new TOTP({ issuer, label, algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

/** The otpauth:// URL an authenticator app reads from the QR code. */
export const otpauthUrl = (secretBase32: string, label: string, issuer: string): string => totpOf(secretBase32, label, issuer).toString();

/** The time step (counter) of an instant. */
export const totpStep = (epochMs: number): number => Math.floor(epochMs / 1000 / TOTP_PERIOD_SECONDS);

/** The code for an instant (tests and tools; the server only checks codes). */
export const totpCode = (secretBase32: string, epochMs: number): string => totpOf(secretBase32).generate({ timestamp: epochMs });

/** The time step whose code this is, within one step either side of now; undefined when it matches none. */
export function matchingStep(secretBase32: string, code: string, epochMs: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totpOf(secretBase32).validate({ token: code, timestamp: epochMs, window: TOTP_WINDOW });
  return delta === null ? undefined : totpStep(epochMs) + delta;
}

export const isRecoveryCode = (code: string): boolean => recoveryCodePattern.test(code);

/** `abcde-fghij`, drawn uniformly from the alphabet. */
function newRecoveryCode(): string {
  const half = () => Array.from({ length: RECOVERY_HALF_LENGTH }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
  return `${half()}-${half()}`;
}

export function newRecoveryCodes(): string[] {
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(newRecoveryCode());
  return [...codes];
}

/** A code as typed (with or without the dash, in any case), as it is hashed. */
const normalised = (code: string): string => code.toLowerCase().replace('-', '');

/**
 * Stored instead of the code: argon2id, as ASVS 6.5.2 asks of secrets under 112 bits (a code has
 * about 50), so a copy of the database does not give the codes away to an offline guesser.
 */
export async function recoveryCodeRecord(code: string): Promise<{ id: string; hash: string }> {
  return { id: newId(), hash: await hashPassword(normalised(code)) };
}

/** Codes given out before migration 0505 are kept as `sha256:` of the user and the code. */
const LEGACY_PREFIX = 'sha256:';

/** The stored code this typed one is, if any: each unused code is checked (argon2 takes ~30 ms each, in parallel). */
export async function matchingRecoveryCode(userId: string, typed: string, stored: readonly { id: string; code_hash: string }[]): Promise<string | undefined> {
  const code = normalised(typed);
  const legacy = `${LEGACY_PREFIX}${sha256(`recovery:${userId}:${code}`)}`;
  const matches = await Promise.all(stored.map(async (row) => (row.code_hash.startsWith(LEGACY_PREFIX) ? row.code_hash === legacy : verifyPassword(row.code_hash, code))));
  return stored[matches.indexOf(true)]?.id;
}
