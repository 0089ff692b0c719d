import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { sha256 } from '../../lib/ids.js';
import { seal, unseal } from '../../lib/sealing.js';
import * as repo from './idempotency.repository.js';

/** A retry with the same key within this window gets the first answer again. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60_000;

const SEAL_INFO = 'smart-token idempotency v1';
/** The remembered answer is always the success the route sends (201 or 200); errors are not remembered. */
const REMEMBERED_STATUS = 200;

export interface IdempotencyRequest {
  /** Who and where, as a digest: keys of different callers or routes never meet. */
  scope: string;
  /** A digest of the client's key; the key itself is never stored. */
  key: string;
  /** A keyed fingerprint of the request body: the same key with another body is a client bug, not a retry. */
  requestHash: string;
  /** Derived from the client's key: seals the remembered answer, which carries the token's status key. */
  sealKey: Buffer;
}

/**
 * HKDF-SHA-256 (RFC 5869) for a 32-byte key: extract, then the first block of expand. The same bytes
 * as `hkdfSync('sha256', ikm, salt, info, 32)` (a test checks), at half its cost per request.
 */
export function hkdfSha256OneBlock(ikm: string, salt: string, info: string): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  return createHmac('sha256', prk).update(info).update(FIRST_BLOCK).digest();
}
const FIRST_BLOCK = Buffer.from([1]);

export function idempotencyRequest(scope: string, key: string | undefined, body: unknown): IdempotencyRequest | undefined {
  if (key === undefined) return undefined;
  const sealKey = hkdfSha256OneBlock(key, scope, SEAL_INFO);
  return {
    scope: sha256(scope),
    key: sha256(key),
    requestHash: createHmac('sha256', sealKey).update(JSON.stringify(body ?? null)).digest('hex'),
    sealKey,
  };
}

/**
 * Runs inside the caller's transaction: returns the remembered result of an earlier request with
 * this key, or claims the key, runs the work and remembers its result in the same transaction.
 * The key is claimed before the work, so parallel requests with one key do the work once: the
 * others wait for the first to commit (PostgreSQL) or run after it (SQLite's single writer). A work
 * that fails rolls its claim back with it, so a refused request does not use up the key.
 */
export async function once<T>(trx: Kysely<DB>, request: IdempotencyRequest | undefined, now: number, work: () => Promise<T>): Promise<T> {
  if (!request) return work();
  const { scope, key, requestHash, sealKey } = request;
  const claimed = await repo.claimKey(trx, { scope, key, request_hash: requestHash, status_code: 0, body: '', created_at: now }, now - IDEMPOTENCY_WINDOW_MS);
  if (!claimed) {
    const earlier = await repo.findKey(trx, scope, key);
    if (!earlier || earlier.body === '') {
      throw new AppError('CONFLICT', 409, 'A request with this Idempotency-Key is still being handled; try again in a moment.');
    }
    if (earlier.request_hash !== requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 422, 'This Idempotency-Key was already used for a different request; use a new key.');
    }
    // AES-GCM: a database reader learns nothing from a remembered answer without the client's key.
    return JSON.parse(unseal(earlier.body, sealKey)) as T;
  }
  const result = await work();
  await repo.storeResult(trx, scope, key, REMEMBERED_STATUS, seal(JSON.stringify(result ?? null), sealKey));
  return result;
}

/** Forgets keys past the window; run now and then, not on the request path. */
export async function purgeExpiredKeys(database: Database, now: number): Promise<number> {
  return database.transact((trx) => repo.deleteKeysBefore(trx, now - IDEMPOTENCY_WINDOW_MS));
}
