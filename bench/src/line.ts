import { patients, type Counter } from './api.js';
import { withServer, type Context } from './harness.js';
import { prefillWaiting, type AgedOption, type PrefillResult } from './prefill.js';
import { dbFileIn, serverEnv, type ServerOptions } from './processes.js';
import { changedTables, tableDigests, type DataSource } from './stores.js';

/** Tokens the server issues over HTTP before the pre-fill: the first, then the template the pre-fill copies. */
const ISSUED_OVER_HTTP = 2;

export interface LineOptions {
  name: string;
  code: string;
  counters: number;
  /** Waiting tokens in all, the two issued over HTTP included. */
  depth: number;
  maxWaitMinutes?: number;
  aged?: AgedOption;
  /** A PostgreSQL database instead of the SQLite file in the folder. */
  databaseUrl?: string;
}

export interface Line {
  departmentId: string;
  counters: Counter[];
  prefill: PrefillResult;
  source: DataSource;
}

/**
 * A department with `depth` waiting tokens in the database of the servers that will run on `dir`,
 * written while no server runs (the next server to start finds the whole line, as after a restart).
 * A first server start runs the migrations, creates the department and its counters and issues two
 * tokens over HTTP; what changed in the database around the second is the footprint the pre-fill
 * must reproduce.
 */
export async function prepareLine(ctx: Context, scenario: string, dir: string, options: LineOptions): Promise<Line> {
  const server: Partial<ServerOptions> = options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl };
  const source: DataSource = options.databaseUrl === undefined ? { kind: 'sqlite', file: dbFileIn(dir) } : { kind: 'postgres', url: options.databaseUrl };
  const setup = await withServer(
    ctx,
    `${scenario} (setup)`,
    dir,
    async (_server, api) => {
      const dept = await api.post<{ id: string }>(
        '/departments',
        { name: options.name, code: options.code, ...(options.maxWaitMinutes !== undefined && { maxWaitMinutes: options.maxWaitMinutes }) },
        201,
      );
      const counters: Counter[] = [];
      for (let i = 1; i <= options.counters; i++) counters.push(await api.createCounter(dept.id, `Desk ${i}`));
      await api.issue(dept.id, patients(1, 90_000)[0]!);
      const before = await tableDigests(source);
      const template = await api.issue(dept.id, patients(1, 90_001)[0]!);
      return { departmentId: dept.id, counters, templateId: template.id, footprint: changedTables(before, await tableDigests(source)) };
    },
    { setupOnly: true, server: { ...server, name: 'setup' } },
  );
  const prefill = await prefillWaiting({
    source,
    env: serverEnv({ dir, jwtSecret: ctx.jwtSecret, ...server }),
    templateTokenId: setup.templateId,
    footprint: setup.footprint,
    count: options.depth - ISSUED_OVER_HTTP,
    ...(options.aged && { aged: options.aged }),
  });
  return { departmentId: setup.departmentId, counters: setup.counters, prefill, source };
}
