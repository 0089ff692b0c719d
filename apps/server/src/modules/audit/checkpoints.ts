import { createPrivateKey, createPublicKey, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';

/** A signed statement of the chain's head at a moment: written outside the database, so truncating the trail shows. */
export interface Checkpoint {
  seq: number;
  mac: string;
  at: string;
  /** The Ed25519 public key that signed it (raw, base64url): an auditor can check it without the audit key. */
  publicKey: string;
  signature: string;
}

/** PKCS#8 DER header of an Ed25519 private key; the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface CheckpointSigner {
  readonly publicKey: string;
  sign(head: { seq: number; mac: string }, at: Date): Checkpoint;
}

const message = (c: Pick<Checkpoint, 'seq' | 'mac' | 'at'>) => Buffer.from(`smart-token audit checkpoint\n${c.seq}\n${c.mac}\n${c.at}`);

/** The checkpoint key pair, derived from the audit key (HKDF): the same key always signs with the same pair. */
export function checkpointSigner(auditKey: Uint8Array): CheckpointSigner {
  const seed = Buffer.from(hkdfSync('sha256', auditKey, Buffer.alloc(0), 'smart-token audit checkpoint signing', 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'jwk' }).x!;
  return {
    publicKey,
    sign(head, at) {
      const unsigned = { seq: head.seq, mac: head.mac, at: at.toISOString() };
      return { ...unsigned, publicKey, signature: sign(null, message(unsigned), privateKey).toString('base64url') };
    },
  };
}

function publicKeyOf(raw: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw }, format: 'jwk' });
}

/** Whether the checkpoint was signed by the holder of this public key (and is unaltered). */
export function checkpointSignedBy(checkpoint: Checkpoint, publicKey: string): boolean {
  try {
    return checkpoint.publicKey === publicKey && verify(null, message(checkpoint), publicKeyOf(publicKey), Buffer.from(checkpoint.signature, 'base64url'));
  } catch {
    return false;
  }
}
