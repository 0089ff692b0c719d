import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';

/**
 * An encrypted backup: header (magic, format version, the master key's fingerprint, IV), the
 * database copy encrypted with AES-256-GCM as one stream, then the 16-byte tag. The header is the
 * cipher's associated data, so a changed fingerprint or version fails the tag like changed data.
 */
const MAGIC = Buffer.from('STBACKUP', 'ascii');
export const BACKUP_FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_FINGERPRINT_BYTES = 255;
const HEADER_MAX_BYTES = MAGIC.length + 2 + MAX_FINGERPRINT_BYTES + IV_BYTES;
const KEY_BYTES = 32;
/** Backups and manifests are readable by the server's user only; so is their folder. */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** What encrypts a backup: the key (derived from the master key) and the master key's public fingerprint. */
export interface BackupKey {
  key: Uint8Array;
  fingerprint: string;
}

/** A backup that cannot be used: the message says which check refused it, for the operator. */
export class BackupRefusedError extends Error {
  override name = 'BackupRefusedError';
}

export const manifestSchema = z
  .object({
    format: z.literal('smart-token-backup'),
    version: z.literal(BACKUP_FORMAT_VERSION),
    dialect: z.enum(['sqlite', 'postgres']),
    createdAt: z.iso.datetime(),
    /** The encrypted file's name, beside the manifest. */
    file: z.string().min(1).max(255),
    size: z.number().int().nonnegative(),
    /** Of the encrypted file, hex. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    keyFingerprint: z.string().min(1).max(MAX_FINGERPRINT_BYTES),
    /** The audit trail inside the copy as verified when it was taken: its length, and whether it was whole. */
    audit: z.object({ ok: z.boolean(), entries: z.number().int().nonnegative() }).strict(),
    tokens: z.number().int().nonnegative(),
  })
  .strict();
export type BackupManifest = z.infer<typeof manifestSchema>;

export const manifestPathOf = (backupPath: string): string => backupPath.replace(/\.backup$/, '.manifest.json');

function header(fingerprint: string, iv: Buffer): Buffer {
  const print = Buffer.from(fingerprint, 'utf8');
  if (print.length === 0 || print.length > MAX_FINGERPRINT_BYTES) throw new Error('the key fingerprint must be 1–255 bytes');
  return Buffer.concat([MAGIC, Buffer.from([BACKUP_FORMAT_VERSION, print.length]), print, iv]);
}

/** Parses the header at the start of an encrypted backup. */
export async function readHeader(path: string): Promise<{ version: number; fingerprint: string; iv: Buffer; bytes: Buffer }> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_MAX_BYTES);
    const { bytesRead } = await file.read(buffer, 0, HEADER_MAX_BYTES, 0);
    const data = buffer.subarray(0, bytesRead);
    if (data.length < MAGIC.length + 2 || !data.subarray(0, MAGIC.length).equals(MAGIC)) throw new BackupRefusedError(`${basename(path)} is not a Smart Token backup`);
    const version = data[MAGIC.length]!;
    if (version !== BACKUP_FORMAT_VERSION) throw new BackupRefusedError(`${basename(path)} is in backup format ${version}; this version of Smart Token reads format ${BACKUP_FORMAT_VERSION}`);
    const printLength = data[MAGIC.length + 1]!;
    const end = MAGIC.length + 2 + printLength + IV_BYTES;
    if (data.length < end + TAG_BYTES) throw new BackupRefusedError(`${basename(path)} is cut short`);
    const fingerprint = data.subarray(MAGIC.length + 2, MAGIC.length + 2 + printLength).toString('utf8');
    return { version, fingerprint, iv: Buffer.from(data.subarray(end - IV_BYTES, end)), bytes: Buffer.from(data.subarray(0, end)) };
  } finally {
    await file.close();
  }
}

function checkKey(key: BackupKey): void {
  if (key.key.length !== KEY_BYTES) throw new Error(`a backup key must be ${KEY_BYTES} bytes`);
}

/**
 * Encrypts `plainPath` into a new file `outPath` (0600, refused if it exists), streaming, and
 * returns the encrypted file's SHA-256 and size. The file is flushed to disk before this returns.
 */
export async function encryptFile(plainPath: string, outPath: string, key: BackupKey, signal?: AbortSignal): Promise<{ sha256: string; size: number }> {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const head = header(key.fingerprint, iv);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(head);
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    createReadStream(plainPath),
    cipher,
    async function* (encrypted: AsyncIterable<Buffer>) {
      const piece = (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
        return chunk;
      };
      yield piece(head);
      for await (const chunk of encrypted) yield piece(chunk);
      yield piece(cipher.getAuthTag());
    },
    createWriteStream(outPath, { flags: 'wx', mode: FILE_MODE, flush: true }),
    signal ? { signal } : {},
  );
  return { sha256: hash.digest('hex'), size };
}

/**
 * Decrypts an encrypted backup into a new file `outPath` (0600). GCM authenticates at the end: a
 * file changed anywhere throws here, and the caller must discard what was written.
 */
export async function decryptFile(inPath: string, outPath: string, key: BackupKey): Promise<void> {
  checkKey(key);
  const { iv, bytes } = await readHeader(inPath);
  const { size } = await stat(inPath);
  const tag = Buffer.alloc(TAG_BYTES);
  const file = await open(inPath, 'r');
  try {
    await file.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await file.close();
  }
  const decipher = createDecipheriv('aes-256-gcm', key.key, iv);
  decipher.setAAD(bytes);
  decipher.setAuthTag(tag);
  const body = createReadStream(inPath, { start: bytes.length, end: size - TAG_BYTES - 1 });
  try {
    await pipeline(body, decipher, createWriteStream(outPath, { flags: 'wx', mode: FILE_MODE, flush: true }));
  } catch (error) {
    if (error instanceof Error && /authenticate/i.test(error.message)) {
      throw new BackupRefusedError(`${basename(inPath)} does not decrypt: it was changed after it was written, or made with another key`);
    }
    throw error;
  }
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes the manifest beside its backup: a temporary name first, so a manifest is never half there. */
export async function writeManifest(path: string, manifest: BackupManifest): Promise<void> {
  const partial = `${path}.partial`;
  await writeFile(partial, `${JSON.stringify(manifest, null, 2)}\n`, { mode: FILE_MODE, flag: 'wx', flush: true });
  await rename(partial, path);
}

export async function readManifest(path: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new BackupRefusedError(code === 'ENOENT' ? `the manifest ${basename(path)} is not there: a backup is restored with the manifest written beside it` : `the manifest ${basename(path)} cannot be read (${code ?? String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BackupRefusedError(`the manifest ${basename(path)} is not JSON`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BackupRefusedError(`the manifest ${basename(path)} is not a Smart Token backup manifest (${issue.path.join('.') || 'document'}: ${issue.message})`);
  }
  return parsed.data;
}
