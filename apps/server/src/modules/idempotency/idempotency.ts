import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { sha256 } from '../../lib/ids.js';
import * as repo from './idempotency.repository.js';

/** A retry with the same key within this window gets the first answer again. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60_000;

export interface IdempotencyRequest {
  /** Who and where: keys of different callers or routes never meet. */
  scope: string;
  key: string;
  /** A fingerprint of the request body: the same key with another body is a client bug, not a retry. */
  requestHash: string;
}

export function idempotencyRequest(scope: string, key: string | undefined, body: unknown): IdempotencyRequest | undefined {
  if (key === undefined) return undefined;
  return { scope, key, requestHash: sha256(JSON.stringify(body ?? null)) };
}

/**
 * Runs inside the caller's transaction: returns the remembered result of an earlier request with
 * this key, or runs the work and remembers its result in the same transaction.
 */
export async function once<T>(trx: Kysely<DB>, request: IdempotencyRequest | undefined, now: number, work: () => Promise<T>): Promise<T> {
  if (!request) return work();
  const earlier = await repo.findKey(trx, request.scope, request.key);
  if (earlier && earlier.created_at >= now - IDEMPOTENCY_WINDOW_MS) {
    if (earlier.request_hash !== request.requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 422, 'This Idempotency-Key was already used for a different request; use a new key.');
    }
    return JSON.parse(earlier.body) as T;
  }
  if (earlier) await repo.deleteKey(trx, request.scope, request.key);
  const result = await work();
  await repo.insertKey(trx, {
    scope: request.scope,
    key: request.key,
    request_hash: request.requestHash,
    status_code: 200,
    body: JSON.stringify(result ?? null),
    created_at: now,
  });
  return result;
}

/** Forgets keys past the window; run now and then, not on the request path. */
export async function purgeExpiredKeys(database: Database, now: number): Promise<number> {
  return database.transact((trx) => repo.deleteKeysBefore(trx, now - IDEMPOTENCY_WINDOW_MS));
}
