import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Dialect } from '../db/database.js';
import { databaseUrl, runPrefix, withAdminClient } from './postgres.js';

/** Integration tests run once per dialect; TEST_DIALECTS=sqlite narrows a local run. */
export const DIALECTS: Dialect[] = (process.env.TEST_DIALECTS ?? 'sqlite,postgres')
  .split(',')
  .map((d) => d.trim())
  .filter((d): d is Dialect => d === 'sqlite' || d === 'postgres');

export interface TestDatabase {
  dialect: Dialect;
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

/** A brand-new empty database (file or PostgreSQL database) and data folder for one test app. */
export async function freshDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'smart-token-test-'));
  if (dialect === 'sqlite') {
    return {
      dialect,
      url: `sqlite:${join(dataDir, 'test.db')}`,
      dataDir,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `${runPrefix(inject('testRunId'))}${randomBytes(4).toString('hex')}`;
  await withAdminClient((client) => client.query(`create database "${name}"`));
  return {
    dialect,
    url: databaseUrl(name),
    dataDir,
    drop: async () => {
      await withAdminClient((client) => client.query(`drop database if exists "${name}" with (force)`));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
