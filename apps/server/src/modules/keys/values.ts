import { createCipheriv, createDecipheriv, randomFillSync, type KeyObject } from 'node:crypto';

/*
 * The stored form of an encrypted value: `enc1.<keyId>.<iv>.<ciphertext>.<tag>`, the parts base64url.
 * AES-256-GCM with a fresh 96-bit IV per value and the value's place (`<table>.<column>.<row id>`) as
 * associated data, so a value copied to another row or column does not decrypt.
 */

export const VALUE_PREFIX = 'enc1.';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** IVs are drawn 4 KB of randomness at a time: a draw per value costs more than the value's encryption. */
const IV_POOL_BYTES = 4096;
let ivPool = randomFillSync(Buffer.alloc(IV_POOL_BYTES));
let ivOffset = 0;

function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > IV_POOL_BYTES) {
    // A new buffer, not a refill: an IV handed out earlier may still be read.
    ivPool = randomFillSync(Buffer.alloc(IV_POOL_BYTES));
    ivOffset = 0;
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES);
  ivOffset += IV_BYTES;
  return iv;
}

/** AES-256-GCM of `plain`, bound to `aad`: `<iv>.<ciphertext>.<tag>`. */
export function seal(key: KeyObject, plain: string, aad: string): string {
  const iv = nextIv();
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${iv.toString('base64url')}.${data.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
}

/** What `seal` sealed; throws when the key or the associated data is not the one it was sealed with, or a byte changed. */
export function unseal(key: KeyObject, sealed: string, aad: string, from = 0): Buffer {
  const ivEnd = sealed.indexOf('.', from);
  const dataEnd = ivEnd < 0 ? -1 : sealed.indexOf('.', ivEnd + 1);
  if (dataEnd < 0) throw new Error('not a sealed value');
  const iv = Buffer.from(sealed.slice(from, ivEnd), 'base64url');
  const tag = Buffer.from(sealed.slice(dataEnd + 1), 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('not a sealed value');
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(Buffer.from(sealed.slice(ivEnd + 1, dataEnd), 'base64url')), decipher.final()]);
}

/** An encrypted value of this data key. */
export function encryptValue(keyId: string, key: KeyObject, plain: string, aad: string): string {
  return `${VALUE_PREFIX}${keyId}.${seal(key, plain, aad)}`;
}

export const isEncrypted = (value: string): boolean => value.startsWith(VALUE_PREFIX);

/** The id of the data key a value is under; undefined for a value that is not encrypted. */
export function keyIdOf(value: string): string | undefined {
  if (!isEncrypted(value)) return undefined;
  const end = value.indexOf('.', VALUE_PREFIX.length);
  return end < 0 ? undefined : value.slice(VALUE_PREFIX.length, end);
}

/** The plaintext of an encrypted value under its key; throws when it does not decrypt. */
export function decryptValue(key: KeyObject, value: string, aad: string): string {
  const keyEnd = value.indexOf('.', VALUE_PREFIX.length);
  return unseal(key, value, aad, keyEnd + 1).toString('utf8');
}
