import { createHash, randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * Opaque ids that sort by creation within a process (time, then a counter, then randomness), so
 * two tokens that join a line in the same millisecond keep their arrival order in the index.
 */
export function newId(): string {
  const now = Math.max(Date.now(), lastMs);
  counter = now === lastMs ? counter + 1 : 0;
  lastMs = now;
  return `${now.toString(16).padStart(12, '0')}${counter.toString(16).padStart(6, '0')}${randomBytes(5).toString('hex')}`;
}

/** A secret with the given bytes of entropy, URL-safe. */
export const newSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
