import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import { runCli } from '../../test/child-server.js';
import { TEST_AUDIT_KEY, TEST_MASTER_KEY, TEST_SECRET } from '../../test/test-app.js';
import { manifestPathOf } from './backup-file.js';

const ONE_LINE = /^Error: [^\n]+\n$/;

describe('backup and restore from the command line, on SQLite', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let backupPath: string;
  const dbPath = () => join(dataDir, 'clinic.db');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'smart-token-backup-cli-'));
    env = { DATABASE_URL: `sqlite:${dbPath()}`, DATA_DIR: dataDir, JWT_SECRET: TEST_SECRET, MASTER_KEY: TEST_MASTER_KEY, AUDIT_KEY: TEST_AUDIT_KEY, TZ_QUEUE: 'Asia/Kolkata' };
    const demo = await runCli(['demo'], env);
    expect(demo.code, demo.stderr).toBe(0);
    const backup = await runCli(['backup'], env);
    expect(backup.code, backup.stderr).toBe(0);
    backupPath = backup.stdout.trim();
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('backup prints only the path of the encrypted backup it wrote, in BACKUP_DIR beside its manifest', () => {
    expect(backupPath.split('\n')).toHaveLength(1);
    expect(dirname(backupPath)).toBe(join(dataDir, 'backups'));
    expect(basename(backupPath)).toMatch(/^smart-token-sqlite-.+\.backup$/);
    expect(existsSync(backupPath)).toBe(true);
    expect(JSON.parse(readFileSync(manifestPathOf(backupPath), 'utf8'))).toMatchObject({ file: basename(backupPath), dialect: 'sqlite' });
  });

  it('restore refuses a changed backup, another master key’s backup and a missing path, each in one line with a non-zero exit', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'smart-token-backup-cli-changed-'));
    try {
      const changed = join(elsewhere, basename(backupPath));
      const bytes = readFileSync(backupPath);
      bytes[100] = bytes[100]! ^ 0xff;
      writeFileSync(changed, bytes);
      copyFileSync(manifestPathOf(backupPath), manifestPathOf(changed));
      const [corrupt, otherKey, noPath] = await Promise.all([
        runCli(['restore', changed], env),
        runCli(['restore', backupPath], { ...env, MASTER_KEY: 'another-master-key-that-is-at-least-32-bytes' }),
        runCli(['restore'], env),
      ]);
      expect(corrupt.code).toBe(1);
      expect(corrupt.stderr).toMatch(ONE_LINE);
      expect(corrupt.stderr).toContain('checksum');
      expect(otherKey.code).toBe(1);
      expect(otherKey.stderr).toMatch(ONE_LINE);
      expect(otherKey.stderr).toContain('MASTER_KEY');
      expect(noPath.code).toBe(1);
      expect(noPath.stderr).toMatch(ONE_LINE);
      expect(noPath.stderr).toContain('restore <');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('restore brings back the database as it was at the backup, after it was lost', async () => {
    // A user made after the backup: gone once the backup is restored.
    const later = await runCli(['create-user', '--email', 'after.backup@clinic.test', '--name', 'After Backup', '--role', 'doctor', '--password', 'a chosen long password'], env);
    expect(later.code, later.stderr).toBe(0);
    for (const file of [dbPath(), `${dbPath()}-wal`, `${dbPath()}-shm`]) rmSync(file, { force: true });

    const restored = await runCli(['restore', backupPath], env);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/^Restored smart-token-sqlite-.+: \d+ tokens; the audit trail's \d+ entries verified/);

    const verify = await runCli(['audit', 'verify'], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    // The demo's departments and users are back; the later user is not.
    const demo = await runCli(['demo'], env);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain('exists');
    expect(demo.stdout).not.toMatch(/@demo\.local\s+\S+$/m);
    const again = await runCli(['create-user', '--email', 'after.backup@clinic.test', '--name', 'After Backup', '--role', 'doctor', '--password', 'a chosen long password'], env);
    expect(again.code, again.stderr).toBe(0);
  });

  it('restore refuses while a server has the database open', async () => {
    const app = await buildApp(loadConfig({ ...env, LOG_LEVEL: 'silent' }), { logger: false });
    try {
      const refused = await runCli(['restore', backupPath], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(ONE_LINE);
      expect(refused.stderr).toContain('stop every server');
    } finally {
      await app.close();
    }
  });
});
