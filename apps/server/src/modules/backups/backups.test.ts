import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../app.js';
import { loadConfig } from '../../config.js';
import { systemClock } from '../../lib/clock.js';
import { StaffSignIn, injectCall } from '../../test/admin-sign-in.js';
import { DIALECTS } from '../../test/databases.js';
import { withAdminClient } from '../../test/postgres.js';
import { queueApi } from '../../test/queue-api.js';
import { TEST_PASSWORD, nextPhone, startTestApp, testEnv, type TestApp } from '../../test/test-app.js';
import { verifyAuditTrail } from '../audit/verify.js';
import { backupKeyOf, restoreKeyOf } from './backup-key.js';
import { manifestPathOf, readManifest, sha256OfFile, type BackupManifest } from './backup-file.js';
import { restoreBackup, takeBackup } from './backups.service.js';

const KNOWN_NAME = 'Zebulon Quartermain';
const KNOWN_PHONE = '+919876501234';
const OTHER_MASTER_KEY = 'another-master-key-that-is-at-least-32-bytes';

interface SeenToken {
  id: string;
  number: string;
  status: string;
  name: string;
}

describe.each(DIALECTS)('encrypted backups and restore on %s', (dialect) => {
  let t: TestApp;
  let departmentId: string;
  let counterId: string;
  let backup: { path: string; manifest: BackupManifest };
  /** Tokens as they stood when the backup began (all in it), and tokens issued while it ran (each in it or not). */
  let before: SeenToken[];
  let during: SeenToken[];
  /** The app started on the restored database (the drill closes the first one). */
  let restoredApp: App | undefined;

  const backupDir = () => join(t.db.dataDir, 'backups');
  const take = async (app: App = t.app) =>
    takeBackup({ database: app.database, dir: backupDir(), workDir: t.db.dataDir, key: await backupKeyOf(t.config, app.database), auditKey: t.config.audit.key, clock: systemClock });
  const restore = async (path: string, env: Record<string, string> = {}) => {
    const config = loadConfig(testEnv(t.db, env));
    return restoreBackup({ target: config.database, workDir: config.dataDir, key: await restoreKeyOf(config), auditKey: config.audit.key }, path);
  };
  const seen = async (id: string, name: string): Promise<SeenToken> => {
    const token = await queueApi(t).token(id);
    return { id, number: token.number, status: token.status, name };
  };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const department = await t.department({ code: 'GEN' });
    departmentId = department.id;
    counterId = department.counters[0]!.id;
    const api = queueApi(t);
    const issued = [];
    for (let i = 0; i < 6; i++) issued.push(await api.issue(departmentId, undefined, i === 0 ? KNOWN_NAME : `Patient ${i}`));
    // A history worth restoring: called, served, completed, and the rest waiting.
    await api.callNext(counterId);
    await api.act(issued[0]!.id, 'start');
    await api.act(issued[0]!.id, 'complete');
    await api.callNext(counterId);
    const known = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: { departmentId, patient: { name: 'Known Phone', phone: KNOWN_PHONE } } });
    expect(known.statusCode, known.body).toBe(201);
    before = await Promise.all([...issued.map((token, i) => seen(token.id, i === 0 ? KNOWN_NAME : `Patient ${i}`)), seen(known.json<{ id: string }>().id, 'Known Phone')]);

    // On PostgreSQL entries wait in audit_pending until the chainer's next pass (500 ms after a change):
    // chained now, so the backup holds a trail to verify however fast the setup ran.
    await t.app.services.audit.settle();

    // The backup runs while reception keeps issuing tokens.
    const issuing = (async () => {
      const made: SeenToken[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: { departmentId, patient: { name: `During ${i}`, phone: nextPhone() } } });
        expect(res.statusCode, res.body).toBe(201);
        made.push(await seen(res.json<{ id: string }>().id, `During ${i}`));
      }
      return made;
    })();
    const [taken, issuedDuring] = await Promise.all([take(), issuing]);
    backup = taken;
    during = issuedDuring;
  });

  afterAll(async () => {
    if (restoredApp) {
      await restoredApp.close();
      await t.db.drop();
    } else {
      await t?.close();
    }
  });

  it('writes the encrypted backup beside a manifest, both readable by the owner only', async () => {
    expect(basename(backup.path)).toMatch(new RegExp(`^smart-token-${dialect}-\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.\\d{3}Z\\.backup$`));
    const manifest = await readManifest(manifestPathOf(backup.path));
    expect(manifest).toEqual(backup.manifest);
    expect(manifest).toMatchObject({ format: 'smart-token-backup', dialect, file: basename(backup.path), sha256: await sha256OfFile(backup.path) });
    expect(manifest.tokens).toBeGreaterThanOrEqual(before.length);
    expect(manifest.tokens).toBeLessThanOrEqual(before.length + during.length);
    expect(manifest.audit.ok).toBe(true);
    expect(manifest.audit.entries).toBeGreaterThan(0);
    for (const path of [backup.path, manifestPathOf(backup.path)]) expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(backupDir()).mode & 0o777).toBe(0o700);
  });

  it('the encrypted backup holds no patient name or phone number in plain', () => {
    const bytes = readFileSync(backup.path);
    for (const text of [KNOWN_NAME, 'Zebulon', 'Quartermain', KNOWN_PHONE, KNOWN_PHONE.slice(3), '98765 01234', 'Known Phone', 'Patient 1']) {
      expect(bytes.includes(Buffer.from(text, 'utf8')), text).toBe(false);
    }
    expect(readFileSync(manifestPathOf(backup.path), 'utf8')).not.toMatch(/Zebulon|9876501234/);
  });

  it('leaves no plaintext copy behind: not after a backup, not after one stopped before it finished, not from a process killed long ago', async () => {
    const workFolders = () => readdirSync(t.db.dataDir).filter((name) => name.startsWith('.backup-work-'));
    expect(workFolders()).toEqual([]);
    const listing = () => readdirSync(backupDir()).sort();
    const before = listing();
    expect(before.every((name) => name.endsWith('.backup') || name.endsWith('.manifest.json'))).toBe(true);

    const abort = new AbortController();
    const stopped = takeBackup({ database: t.app.database, dir: backupDir(), workDir: t.db.dataDir, key: await backupKeyOf(t.config, t.app.database), auditKey: t.config.audit.key, clock: systemClock }, { signal: abort.signal });
    abort.abort();
    await expect(stopped).rejects.toThrow();
    expect(workFolders()).toEqual([]);
    expect(listing()).toEqual(before);

    // What a killed backup would have left: removed by the next backup once it is clearly stale.
    const stale = join(t.db.dataDir, '.backup-work-killed');
    mkdirSync(stale, { mode: 0o700 });
    writeFileSync(join(stale, 'copy'), 'plaintext of a killed backup');
    const longAgo = new Date(Date.now() - 7 * 60 * 60_000);
    utimesSync(stale, longAgo, longAgo);
    await take();
    expect(workFolders()).toEqual([]);
  });

  it('restore refuses while a server still uses the database, and replaces nothing', async () => {
    await expect(restore(backup.path)).rejects.toThrow(/in use.*stop every server/);
    expect((await queueApi(t).token(during.at(-1)!.id)).number).toBe(during.at(-1)!.number);
  });

  it('a backup with one byte changed is refused before anything is replaced, by its checksum or else by its decryption', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smart-token-corrupt-'));
    try {
      const copy = join(dir, basename(backup.path));
      const bytes = readFileSync(backup.path);
      const middle = Math.floor(bytes.length / 2);
      bytes[middle] = bytes[middle]! ^ 0x01;
      writeFileSync(copy, bytes);
      copyFileSync(manifestPathOf(backup.path), manifestPathOf(copy));
      await expect(restore(copy)).rejects.toThrow(/does not match its manifest's checksum/);
      // Someone who also rewrites the manifest's checksum still meets the authenticated encryption.
      const manifest = JSON.parse(readFileSync(manifestPathOf(copy), 'utf8')) as BackupManifest;
      writeFileSync(manifestPathOf(copy), JSON.stringify({ ...manifest, sha256: await sha256OfFile(copy) }));
      await expect(restore(copy)).rejects.toThrow(/does not decrypt/);
      expect((await queueApi(t).token(during.at(-1)!.id)).number).toBe(during.at(-1)!.number);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a backup made under another master key is refused, naming MASTER_KEY', async () => {
    await expect(restore(backup.path, { MASTER_KEY: OTHER_MASTER_KEY })).rejects.toThrow(/another master key.*set MASTER_KEY/);
  });

  it('the restore drill: the database destroyed, the backup restored, every token and the audit chain come back', async () => {
    await t.app.close();
    if (dialect === 'sqlite') {
      const path = t.config.database.kind === 'sqlite' ? t.config.database.path : '';
      for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
    } else {
      const name = new URL(t.db.url).pathname.slice(1);
      await withAdminClient(async (client) => {
        await client.query(`drop database "${name}" with (force)`);
        await client.query(`create database "${name}"`);
      });
    }

    const restored = await restore(backup.path);
    expect(restored.tokens).toBe(backup.manifest.tokens);
    expect(restored.auditEntries).toBe(backup.manifest.audit.entries);

    // The app starts on the restored database as it would after a real restore.
    const app = (restoredApp = await buildApp(t.config, { logger: false }));
    const chain = await verifyAuditTrail(app.database.db, t.config.audit.key);
    expect(chain, JSON.stringify(chain)).toMatchObject({ ok: true });
    expect(chain.entries).toBeGreaterThanOrEqual(backup.manifest.audit.entries);

    const staff = new StaffSignIn(injectCall(app.inject.bind(app)));
    const headers = { authorization: `Bearer ${(await staff.signIn('receptionist@test.local', TEST_PASSWORD)).accessToken}` };
    const read = async (token: SeenToken) => {
      const res = await app.inject({ method: 'GET', url: `/api/v1/tokens/${token.id}`, headers });
      if (res.statusCode === 404) return undefined;
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ number: string; status: string; patient: { name: string } }>();
      return { id: token.id, number: body.number, status: body.status, name: body.patient.name };
    };
    for (const token of before) expect(await read(token)).toEqual(token);
    let duringRestored = 0;
    for (const token of during) {
      const back = await read(token);
      if (back) {
        expect(back).toEqual(token);
        duringRestored += 1;
      }
    }
    expect(before.length + duringRestored).toBe(backup.manifest.tokens);

    // The restored clinic keeps working: the next token is numbered after the restored ones.
    const next = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers, payload: { departmentId, patient: { name: 'After Restore', phone: nextPhone() } } });
    expect(next.statusCode, next.body).toBe(201);
    const numbers = [...before, ...during.slice(0, duringRestored)].map((token) => Number(token.number.split('-')[1]));
    expect(Number(next.json<{ number: string }>().number.split('-')[1])).toBe(Math.max(...numbers) + 1);
  });
});
