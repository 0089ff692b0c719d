import type { Kysely } from 'kysely';
import type { PushSubscription } from 'web-push';
import type { DB } from '../../../db/schema.js';
import { newId, sha256 } from '../../../lib/ids.js';
import { aadOf, type ValueCipher } from '../../keys/encrypted-columns.js';

const MAX_ERROR_LENGTH = 500;

export const subscriptionAad = (id: string): string => aadOf('push_subscriptions', 'push_subscription', id);
export const endpointHash = (endpoint: string): string => sha256(endpoint);

export interface ActiveSubscription {
  id: string;
  token_id: string;
  created_at: number;
  subscription: PushSubscription;
}

/**
 * Stores a browser's subscription for a visit, encrypted with `cipher`. The same browser again (same
 * endpoint) updates its row instead: keys renewed, and enabled again if it had been disabled.
 */
export async function addSubscription(
  db: Kysely<DB>,
  cipher: ValueCipher,
  input: { tokenId: string; subscription: PushSubscription; at: number },
): Promise<{ id: string; added: boolean }> {
  const { endpoint, keys } = input.subscription;
  // Only what sending needs is kept (a browser's expirationTime, for one, is not).
  const plain = JSON.stringify({ endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } });
  const hash = endpointHash(endpoint);
  const id = newId();
  const result = await db
    .insertInto('push_subscriptions')
    .values({ id, token_id: input.tokenId, endpoint_hash: hash, push_subscription: cipher.encrypt(plain, subscriptionAad(id)), created_at: input.at, last_error: null, disabled_at: null })
    .onConflict((oc) => oc.columns(['token_id', 'endpoint_hash']).doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 1) return { id, added: true };
  const existing = await db.selectFrom('push_subscriptions').select('id').where('token_id', '=', input.tokenId).where('endpoint_hash', '=', hash).executeTakeFirstOrThrow();
  await db
    .updateTable('push_subscriptions')
    // Encrypted again under the existing row's id: a value is bound to its row.
    .set({ push_subscription: cipher.encrypt(plain, subscriptionAad(existing.id)), disabled_at: null, last_error: null })
    .where('id', '=', existing.id)
    .execute();
  return { id: existing.id, added: false };
}

/** The subscriptions of a visit still worth sending to, oldest first, decrypted with `cipher`. */
export async function activeSubscriptionsOf(db: Kysely<DB>, cipher: ValueCipher, tokenId: string): Promise<ActiveSubscription[]> {
  const rows = await db
    .selectFrom('push_subscriptions')
    // Read under another name, so the database's decrypting plugin leaves it as stored (with or without
    // its ENCRYPTED_COLUMNS entry) and this function decrypts it the one way.
    .select(['id', 'token_id', 'created_at', 'push_subscription as stored_subscription'])
    .where('token_id', '=', tokenId)
    .where('disabled_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    token_id: row.token_id,
    created_at: row.created_at,
    subscription: JSON.parse(cipher.decrypt(row.stored_subscription, subscriptionAad(row.id))) as PushSubscription,
  }));
}

export async function countActive(db: Kysely<DB>, tokenId: string): Promise<number> {
  const row = await db
    .selectFrom('push_subscriptions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('token_id', '=', tokenId)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function hasActiveEndpoint(db: Kysely<DB>, tokenId: string, hash: string): Promise<boolean> {
  const row = await db
    .selectFrom('push_subscriptions')
    .select('id')
    .where('token_id', '=', tokenId)
    .where('endpoint_hash', '=', hash)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** Stops sending to a subscription (gone, or never deliverable); false when it was already stopped. */
export async function disable(db: Kysely<DB>, id: string, reason: string, at: number): Promise<boolean> {
  const result = await db
    .updateTable('push_subscriptions')
    .set({ disabled_at: at, last_error: reason.slice(0, MAX_ERROR_LENGTH) })
    .where('id', '=', id)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A failure that may pass (the push service busy or away): kept for whoever looks, the subscription stays on. */
export async function noteError(db: Kysely<DB>, id: string, reason: string): Promise<void> {
  await db.updateTable('push_subscriptions').set({ last_error: reason.slice(0, MAX_ERROR_LENGTH) }).where('id', '=', id).execute();
}

/** Patient data retention: a visit's subscriptions go with the rest of its personal data. */
export async function deleteOfTokens(db: Kysely<DB>, tokenIds: readonly string[]): Promise<number> {
  if (tokenIds.length === 0) return 0;
  const result = await db.deleteFrom('push_subscriptions').where('token_id', 'in', [...tokenIds]).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Writes a setting unless one exists under `key`; true when this call wrote it. Instances starting
 * together each try, one wins, and all read back the winner's value.
 */
export async function insertSettingIfAbsent(db: Kysely<DB>, key: string, value: string, at: number): Promise<boolean> {
  const result = await db
    .insertInto('settings')
    .values({ key, value, updated_at: at })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}
