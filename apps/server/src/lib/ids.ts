import { createHash, randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/** Random bytes are drawn 4 KB at a time: one small draw per id costs more than the id itself. */
const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let poolOffset = 0;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/**
 * Opaque ids that sort by creation within a process (time, then a counter, then randomness), so
 * two tokens that join a line in the same millisecond keep their arrival order in the index.
 */
export function newId(): string {
  const now = Math.max(Date.now(), lastMs);
  counter = now === lastMs ? counter + 1 : 0;
  lastMs = now;
  return `${now.toString(16).padStart(12, '0')}${counter.toString(16).padStart(6, '0')}${randomHex(5)}`;
}

/** A secret with the given bytes of entropy, URL-safe. */
export const newSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
