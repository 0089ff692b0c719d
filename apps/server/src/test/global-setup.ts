import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { runPrefix, withAdminClient } from './postgres.js';

/** Gives the run an id for its PostgreSQL databases, and drops them all when the run ends. */
export default function setup(project: TestProject) {
  const runId = randomBytes(4).toString('hex');
  project.provide('testRunId', runId);
  return async () => {
    if ((process.env.TEST_DIALECTS ?? 'sqlite,postgres').includes('postgres')) {
      await withAdminClient(async (client) => {
        const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${runPrefix(runId)}%`]);
        for (const row of rows) await client.query(`drop database if exists "${row.datname}" with (force)`);
      });
    }
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    testRunId: string;
  }
}
