import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupRefusedError, decryptFile, encryptFile, readHeader, sha256OfFile, type BackupKey } from './backup-file.js';

const KEY: BackupKey = { key: randomBytes(32), fingerprint: 'a1b2c3d4e5f60718' };

describe('the encrypted backup file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smart-token-backup-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const plainFile = (text: string) => {
    const path = join(dir, 'plain');
    writeFileSync(path, text);
    return path;
  };

  it('decrypts to exactly what was encrypted, across many stream chunks', async () => {
    const plain = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(dir, 'plain'), plain);
    const { sha256, size } = await encryptFile(join(dir, 'plain'), join(dir, 'enc'), KEY);
    expect(size).toBe(statSync(join(dir, 'enc')).size);
    expect(sha256).toBe(await sha256OfFile(join(dir, 'enc')));
    await decryptFile(join(dir, 'enc'), join(dir, 'out'), KEY);
    expect(readFileSync(join(dir, 'out')).equals(plain)).toBe(true);
  });

  it('is readable by its owner only and names the key it was made with in its header', async () => {
    await encryptFile(plainFile('Zebulon Quartermain +919812345678'), join(dir, 'enc'), KEY);
    expect(statSync(join(dir, 'enc')).mode & 0o777).toBe(0o600);
    expect((await readHeader(join(dir, 'enc'))).fingerprint).toBe(KEY.fingerprint);
    const bytes = readFileSync(join(dir, 'enc'));
    expect(bytes.includes(Buffer.from('Zebulon'))).toBe(false);
    expect(bytes.includes(Buffer.from('9812345678'))).toBe(false);
  });

  it('refuses to decrypt a file with one byte changed, in the data or in the header', async () => {
    await encryptFile(plainFile('the whole database'.repeat(100)), join(dir, 'enc'), KEY);
    const original = readFileSync(join(dir, 'enc'));
    for (const [name, offset] of [['data', original.length - 40], ['header fingerprint', 11]] as const) {
      const changed = Buffer.from(original);
      changed[offset] = changed[offset]! ^ 0x01;
      writeFileSync(join(dir, `changed-${name}`), changed);
      await expect(decryptFile(join(dir, `changed-${name}`), join(dir, `out-${name}`), KEY), name).rejects.toThrow(BackupRefusedError);
    }
  });

  it('refuses to decrypt under another key', async () => {
    await encryptFile(plainFile('the whole database'), join(dir, 'enc'), KEY);
    await expect(decryptFile(join(dir, 'enc'), join(dir, 'out'), { ...KEY, key: randomBytes(32) })).rejects.toThrow(/does not decrypt/);
  });

  it('refuses a file that is not a backup', async () => {
    await expect(readHeader(plainFile('SQLite format 3\u0000 and more bytes than a header needs'))).rejects.toThrow(/not a Smart Token backup/);
  });
});
