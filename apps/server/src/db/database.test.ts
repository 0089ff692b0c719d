import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from './database.js';

describe('the SQLite file', () => {
  const root = mkdtempSync(join(tmpdir(), 'smart-token-db-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is made readable by this user only, folder, file, WAL and shared-memory file alike, whatever the umask', () => {
    const previous = process.umask(0o022);
    try {
      const path = join(root, 'data', 'smart-token.db');
      const sqlite = openSqlite(path);
      sqlite.exec('create table t (x integer)');
      sqlite.prepare('insert into t values (1)').run();
      const mode = (file: string) => statSync(file).mode & 0o777;
      expect(mode(join(root, 'data'))).toBe(0o700);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(mode(file), file).toBe(0o600);
      sqlite.close();
    } finally {
      process.umask(previous);
    }
  });
});
