import type { Kysely } from 'kysely';
import webpush from 'web-push';
import type { DB } from '../../../db/schema.js';
import { ENCRYPTED_SETTINGS, settingAad, type ValueCipher } from '../../keys/encrypted-columns.js';
import { readSetting } from '../../settings/settings.repository.js';
import { insertSettingIfAbsent } from './push.repository.js';

/** `keys rotate` re-encrypts its private key (ENCRYPTED_SETTINGS). */
export const VAPID_SETTING_KEY = ENCRYPTED_SETTINGS.vapidPrivateKey.key;
const PRIVATE_KEY_AAD = settingAad(VAPID_SETTING_KEY);

/** The server's VAPID key pair (base64url, as web-push makes and takes them). */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** As kept in `settings`: the private key an `enc1.…` value under the keyring, bound to this setting. */
interface StoredVapid {
  publicKey: string;
  privateKey: string;
}

function parseStored(value: string): StoredVapid {
  const parsed = JSON.parse(value) as Partial<StoredVapid> | null;
  if (typeof parsed?.publicKey !== 'string' || typeof parsed.privateKey !== 'string') {
    throw new Error(`The setting ${VAPID_SETTING_KEY} is not a VAPID key pair: delete it to make a new one (every browser then subscribes again).`);
  }
  return { publicKey: parsed.publicKey, privateKey: parsed.privateKey };
}

/**
 * The server's VAPID keys, made on the first call and kept from then on: browsers subscribed with the
 * public key, and push services refuse a subscription's messages signed by any other. When instances
 * start together each makes a pair, the first insert wins, and every instance reads that one back.
 */
export async function loadOrCreateVapidKeys(db: Kysely<DB>, now: number, cipher: ValueCipher): Promise<VapidKeys> {
  let row = await readSetting(db, VAPID_SETTING_KEY);
  if (!row) {
    const made = webpush.generateVAPIDKeys();
    const stored: StoredVapid = { publicKey: made.publicKey, privateKey: cipher.encrypt(made.privateKey, PRIVATE_KEY_AAD) };
    await insertSettingIfAbsent(db, VAPID_SETTING_KEY, JSON.stringify(stored), now);
    row = await readSetting(db, VAPID_SETTING_KEY);
    if (!row) throw new Error(`The setting ${VAPID_SETTING_KEY} was written and cannot be read back.`);
  }
  const stored = parseStored(row.value);
  return { publicKey: stored.publicKey, privateKey: cipher.decrypt(stored.privateKey, PRIVATE_KEY_AAD) };
}
