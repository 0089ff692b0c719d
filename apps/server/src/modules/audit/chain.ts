import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { AuditPendingTable } from '../../db/schema.js';

/** The MAC the first entry links to: the chain has nothing before it. */
export const GENESIS_MAC = '0'.repeat(64);

/** The fields an entry's MAC covers, in a fixed order: everything it says, not where it sits (seq). */
export function canonical(e: AuditPendingTable): string {
  return JSON.stringify([
    e.id,
    Number(e.at),
    e.type,
    e.actor_kind,
    e.actor_id,
    e.actor_label,
    e.subject_kind,
    e.subject_id,
    e.subject_label,
    e.action,
    e.outcome,
    e.ip,
    e.request_id,
    e.details,
  ]);
}

/**
 * HMAC-SHA-256 of the previous entry's MAC and this entry's content, under the audit key (kept in the
 * configuration, never in the database): an edited, removed or moved entry breaks the chain, and
 * without the key nobody can forge a new one.
 */
export function macOf(key: Uint8Array, prevMac: string, entry: AuditPendingTable): string {
  return createHmac('sha256', keyObjectOf(key)).update(prevMac).update('\n').update(canonical(entry)).digest('hex');
}

/** The key imported once: raw bytes are imported again by every HMAC (3.0 µs a MAC here; 2.5 µs with the key object). */
const imported = new WeakMap<Uint8Array, KeyObject>();
function keyObjectOf(key: Uint8Array): KeyObject {
  let object = imported.get(key);
  if (!object) imported.set(key, (object = createSecretKey(key)));
  return object;
}
