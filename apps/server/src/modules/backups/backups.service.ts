import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database as DatabaseConfig } from '../../config.js';
import { createDatabase, type Database, type Dialect } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { AuditTrail } from '../audit/audit.js';
import { SYSTEM_AUDIT_ACTOR } from '../audit/audit.js';
import { verifyAuditTrail } from '../audit/verify.js';
import {
  BackupRefusedError,
  DIR_MODE,
  decryptFile,
  encryptFile,
  manifestPathOf,
  readHeader,
  readManifest,
  sha256OfFile,
  writeManifest,
  type BackupKey,
  type BackupManifest,
} from './backup-file.js';
import * as repo from './backups.repository.js';
import { assertToolMatchesServer, databaseUrlOn, pgDump, pgRestoreReplacing } from './postgres-dump.js';
import { assertSqliteUnused, replaceSqliteFile, snapshotSqlite } from './sqlite-copy.js';

export interface BackupResult {
  /** The encrypted backup; its manifest is beside it. */
  path: string;
  manifestPath: string;
  manifest: BackupManifest;
}

export interface RestoreResult {
  manifest: BackupManifest;
  auditEntries: number;
  tokens: number;
}

/** `smart-token-sqlite-2026-12-05T02-00-00.123Z.backup`: the dialect and the UTC time it was taken; names sort by age. */
export const BACKUP_NAME = /^smart-token-(sqlite|postgres)-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z)\.backup$/;
export const backupFileName = (dialect: Dialect, at: number): string => `smart-token-${dialect}-${new Date(at).toISOString().replace(/:/g, '-')}.backup`;

/** What a copy holds, read inside the copy itself (or the snapshot it was dumped from). */
async function inspect(db: Kysely<DB>, auditKey: Uint8Array): Promise<{ audit: { ok: boolean; entries: number; problem?: string }; tokens: number }> {
  const audit = await verifyAuditTrail(db, auditKey);
  const tokens = await repo.countTokens(db);
  return { audit: audit.ok ? { ok: true, entries: audit.entries } : { ok: false, entries: audit.entries, problem: audit.problem.message }, tokens };
}

/** Plaintext copies are made here: in the data folder, beside what is already plaintext, never in BACKUP_DIR (often synced off site). */
const BACKUP_WORK = '.backup-work-';
const RESTORE_WORK = '.restore-work-';
/** A work folder this old was left by a process that died (a backup or restore does not take this long). */
const STALE_WORK_MS = 6 * 60 * 60_000;

/**
 * Makes a 0700 work folder, after removing the ones a killed process left behind: they may hold a
 * plaintext copy of the database.
 */
async function workFolder(parent: string, prefix: string, now: number): Promise<string> {
  // `now` is the real time (Date.now), as the files' times are, not the app's clock.
  await mkdir(parent, { recursive: true, mode: DIR_MODE });
  for (const name of await readdir(parent)) {
    if (!name.startsWith(prefix)) continue;
    const path = join(parent, name);
    const modified = await stat(path).then((s) => s.mtimeMs, () => now);
    if (now - modified > STALE_WORK_MS) await rm(path, { recursive: true, force: true });
  }
  return mkdtemp(join(parent, prefix));
}

async function withDatabase<T>(config: DatabaseConfig, work: (database: Database) => Promise<T>): Promise<T> {
  const database = createDatabase(config);
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

/**
 * Takes an online backup of the live database: a consistent copy (SQLite: VACUUM INTO from a
 * connection of its own; PostgreSQL: pg_dump of an exported snapshot), encrypted as it is written,
 * then its manifest. The plaintext copy lives only in a 0700 folder in `workDir` (the data folder)
 * that is removed in every case.
 */
export async function takeBackup(
  deps: { database: Database; dir: string; workDir: string; key: BackupKey; auditKey: Uint8Array; clock: Clock; audit?: AuditTrail | undefined },
  options: { signal?: AbortSignal | undefined } = {},
): Promise<BackupResult & { auditProblem?: string | undefined }> {
  const { database, key, auditKey, clock } = deps;
  const dir = resolve(deps.dir);
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const createdAt = clock.now();
  const name = backupFileName(database.dialect, createdAt);
  const path = join(dir, name);
  const partial = `${path}.partial`;
  const work = await workFolder(deps.workDir, BACKUP_WORK, Date.now());
  try {
    const copy = join(work, 'copy');
    let contents: Awaited<ReturnType<typeof inspect>>;
    if (database.config.kind === 'sqlite') {
      await snapshotSqlite(database.config.path, copy, options.signal);
      contents = await withDatabase({ kind: 'sqlite', path: copy }, (snapshot) => inspect(snapshot.db, auditKey));
    } else {
      const url = database.config.url;
      await assertToolMatchesServer('pg_dump', await repo.serverVersionNum(database.db));
      // The counts are read in the very snapshot pg_dump copies: the manifest describes the dump exactly.
      contents = await database.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute(async (trx) => {
          await pgDump(url, await repo.exportSnapshot(trx), copy, options.signal);
          return inspect(trx, auditKey);
        });
    }
    const { sha256, size } = await encryptFile(copy, partial, key, options.signal);
    await rename(partial, path);
    const manifest: BackupManifest = {
      format: 'smart-token-backup',
      version: 1,
      dialect: database.dialect,
      createdAt: new Date(createdAt).toISOString(),
      file: name,
      size,
      sha256,
      keyFingerprint: key.fingerprint,
      audit: { ok: contents.audit.ok, entries: contents.audit.entries },
      tokens: contents.tokens,
    };
    const manifestPath = manifestPathOf(path);
    await writeManifest(manifestPath, manifest);
    deps.audit?.note({
      type: 'system.backup',
      action: 'backup',
      actor: SYSTEM_AUDIT_ACTOR,
      subject: { kind: 'backup', label: name.slice(0, 100) },
      details: { size, sha256, tokens: contents.tokens, auditEntries: contents.audit.entries, auditWhole: contents.audit.ok },
    });
    return { path, manifestPath, manifest, auditProblem: contents.audit.problem };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The backup and its manifest, from either one's path. */
async function locate(given: string): Promise<{ backupPath: string; manifest: BackupManifest }> {
  const path = resolve(given);
  if (path.endsWith('.manifest.json')) {
    const manifest = await readManifest(path);
    return { backupPath: join(dirname(path), basename(manifest.file)), manifest };
  }
  if (!path.endsWith('.backup')) throw new BackupRefusedError(`${basename(path)} is neither a backup (.backup) nor its manifest (.manifest.json)`);
  const manifest = await readManifest(manifestPathOf(path));
  if (manifest.file !== basename(path)) throw new BackupRefusedError(`the manifest beside ${basename(path)} describes another file (${manifest.file})`);
  return { backupPath: path, manifest };
}

/** The checks that need only the files: the right kind of database, the right key, an unchanged file. */
async function checkFiles(backupPath: string, manifest: BackupManifest, target: DatabaseConfig, key: BackupKey): Promise<void> {
  const name = basename(backupPath);
  if (manifest.dialect !== target.kind) {
    throw new BackupRefusedError(`${name} is a ${manifest.dialect} backup and DATABASE_URL points at ${target.kind}: restore it into a ${manifest.dialect} database`);
  }
  if (manifest.keyFingerprint !== key.fingerprint) {
    throw new BackupRefusedError(
      `${name} was made under another master key (fingerprint ${manifest.keyFingerprint}; this MASTER_KEY's is ${key.fingerprint}): set MASTER_KEY (or MASTER_KEY_FILE) to the key the backup was made with`,
    );
  }
  const size = await stat(backupPath).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) throw new BackupRefusedError(`${name} is not there beside its manifest`);
  if (size !== manifest.size || (await sha256OfFile(backupPath)) !== manifest.sha256) {
    throw new BackupRefusedError(`${name} does not match its manifest's checksum: it was changed or damaged after it was written`);
  }
  const header = await readHeader(backupPath);
  if (header.fingerprint !== manifest.keyFingerprint) throw new BackupRefusedError(`${name}'s key fingerprint is not the one its manifest names`);
}

function checkRestoredCopy(name: string, manifest: BackupManifest, contents: Awaited<ReturnType<typeof inspect>>): void {
  if (!contents.audit.ok) {
    throw new BackupRefusedError(`the audit trail inside ${name} does not verify with this AUDIT_KEY: ${contents.audit.problem ?? 'unknown problem'}`);
  }
  if (contents.audit.entries !== manifest.audit.entries || contents.tokens !== manifest.tokens) {
    throw new BackupRefusedError(
      `${name} holds ${contents.audit.entries} audit entries and ${contents.tokens} tokens, but its manifest says ${manifest.audit.entries} and ${manifest.tokens}`,
    );
  }
}

/**
 * Restores a backup over the database `target` names, refusing before anything is replaced when
 * the manifest's checksum, the key, the decryption or the audit trail inside the copy does not
 * check out, or when a server still uses the database. Servers must be stopped first; whether
 * one is running is checked last, just before the replacement, so a bad backup is reported as
 * bad whatever the servers are doing.
 */
export async function restoreBackup(deps: { target: DatabaseConfig; workDir: string; key: BackupKey; auditKey: Uint8Array }, given: string): Promise<RestoreResult> {
  const { target, key, auditKey } = deps;
  const { backupPath, manifest } = await locate(given);
  const name = basename(backupPath);
  await checkFiles(backupPath, manifest, target, key);

  if (target.kind === 'sqlite') {
    if (target.path === ':memory:') throw new BackupRefusedError('DATABASE_URL points at an in-memory database: there is nothing to restore into');
    // Beside the live file, so the verified copy replaces it with one rename on the same file system.
    const work = await workFolder(dirname(target.path), RESTORE_WORK, Date.now());
    try {
      const copy = join(work, 'copy.db');
      await decryptFile(backupPath, copy, key);
      const contents = await withDatabase({ kind: 'sqlite', path: copy }, (restored) => inspect(restored.db, auditKey));
      checkRestoredCopy(name, manifest, contents);
      assertSqliteUnused(target.path);
      await replaceSqliteFile(copy, target.path);
      return { manifest, auditEntries: contents.audit.entries, tokens: contents.tokens };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  const work = await workFolder(deps.workDir, RESTORE_WORK, Date.now());
  try {
    const dump = join(work, 'copy.dump');
    await decryptFile(backupPath, dump, key);
    return await withDatabase({ ...target, poolSize: 1 }, async (live) => {
      await assertToolMatchesServer('pg_restore', await repo.serverVersionNum(live.db));
      // Restored first into a scratch database, where the audit trail is checked; the target is touched only after.
      const n = randomInt(1, 2 ** 31);
      await repo.createScratchDatabase(live.db, n);
      let contents: Awaited<ReturnType<typeof inspect>>;
      try {
        const scratchUrl = databaseUrlOn(target.url, repo.scratchDatabaseName(n));
        await pgRestoreReplacing(scratchUrl, dump);
        contents = await withDatabase({ kind: 'postgres', url: scratchUrl, poolSize: 1 }, (restored) => inspect(restored.db, auditKey));
      } finally {
        await repo.dropScratchDatabase(live.db, n);
      }
      checkRestoredCopy(name, manifest, contents);
      await assertPostgresUnused(live.db);
      await pgRestoreReplacing(target.url, dump);
      return { manifest, auditEntries: contents.audit.entries, tokens: contents.tokens };
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function assertPostgresUnused(db: Kysely<DB>): Promise<void> {
  const others = await repo.otherClientSessions(db);
  if (others > 0) {
    throw new BackupRefusedError(`the database is in use (${others} other connection${others === 1 ? '' : 's'}: a server or another command): stop every server using it, then restore`);
  }
}
