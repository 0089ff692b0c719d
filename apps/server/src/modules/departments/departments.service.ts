import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { DEPARTMENT_DEFAULTS, type Counter, type CreateCounterBody, type CreateDepartmentBody, type Department, type UpdateDepartmentBody } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { isUniqueViolation } from '../../db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { CacheInvalidationBus } from '../cache/cache-invalidation.js';
import { createReadCache } from '../cache/read-cache.js';
import * as repo from './departments.repository.js';

export type { CounterRow, DepartmentRow } from './departments.repository.js';

/** Far more than a hospital has; past it the least recently read are dropped. */
const CACHE_MAX_ENTRIES = 5000;
/** Only a safety net: every change is invalidated on every instance through the bus. */
const CACHE_TTL_MS = 60_000;

export function toDepartment(row: repo.DepartmentRow): Department {
  return {
    id: row.id,
    name: row.name,
    code: row.code,
    selfCheckIn: row.self_check_in === 1,
    maxWaitMinutes: row.max_wait_minutes,
    maxRecalls: row.max_recalls,
    parkReturnAfter: row.park_return_after,
    createdAt: iso(row.created_at),
  };
}

export const toCounter = (row: repo.CounterRow): Counter => ({ id: row.id, departmentId: row.department_id, name: row.name });

export function createDepartmentsService(deps: {
  database: Database;
  clock: Clock;
  invalidation: Pick<CacheInvalidationBus, 'publish' | 'subscribe' | 'catchUp'>;
}) {
  const { database, clock, invalidation } = deps;
  const { db } = database;

  // Read on every queue command and board; changed a few times a year by an admin.
  const cacheOptions = { max: CACHE_MAX_ENTRIES, ttlMs: CACHE_TTL_MS, catchUp: () => invalidation.catchUp() };
  const departments = createReadCache<repo.DepartmentRow>(cacheOptions);
  const counters = createReadCache<repo.CounterRow>(cacheOptions);
  const countersByDepartment = createReadCache<repo.CounterRow[]>(cacheOptions);
  invalidation.subscribe((message) => {
    if (message.kind === 'department') {
      departments.delete(message.id);
      countersByDepartment.delete(message.id);
    } else if (message.kind === 'counter') {
      counters.delete(message.id);
      // The message names the counter, not its department (which it may just have left): drop every list.
      countersByDepartment.clear();
    } else if (message.kind === 'everything') {
      departments.clear();
      counters.clear();
      countersByDepartment.clear();
    }
  });

  // Inside a transaction the row is read through it: SQLite's one connection is the transaction's, and
  // the cache's catch-up would wait for it.
  const findDepartment = (id: string, trx?: Kysely<DB>): Promise<repo.DepartmentRow | undefined> =>
    trx ? repo.findDepartment(trx, id) : departments.get(id, () => repo.findDepartment(db, id));

  const findCounter = (id: string, trx?: Kysely<DB>): Promise<repo.CounterRow | undefined> =>
    trx ? repo.findCounter(trx, id) : counters.get(id, () => repo.findCounter(db, id));

  async function requireDepartment(id: string): Promise<repo.DepartmentRow> {
    const row = await findDepartment(id);
    if (!row) throw new NotFoundError(`Department ${id} does not exist.`);
    return row;
  }

  return {
    /**
     * Cached reads for other modules (queue, public, live): rows as stored, or undefined. Shared
     * and frozen; call them outside a transaction (they read through the pool, and SQLite has one
     * connection, which a transaction holds).
     */
    findDepartment,
    findCounter,
    counterName: async (id: string): Promise<string | undefined> => (await findCounter(id))?.name,
    /** The department's counters, ordered by name (a new array each call, over the shared rows). */
    async countersOf(departmentId: string, trx?: Kysely<DB>): Promise<repo.CounterRow[]> {
      if (trx) return repo.listCounters(trx, departmentId);
      return [...((await countersByDepartment.get(departmentId, () => repo.listCounters(db, departmentId))) ?? [])];
    },

    async createDepartment(input: CreateDepartmentBody): Promise<Department> {
      const row: repo.DepartmentRow = {
        id: newId(),
        code: input.code,
        name: input.name,
        self_check_in: (input.selfCheckIn ?? DEPARTMENT_DEFAULTS.selfCheckIn) ? 1 : 0,
        max_wait_minutes: input.maxWaitMinutes ?? DEPARTMENT_DEFAULTS.maxWaitMinutes,
        max_recalls: input.maxRecalls ?? DEPARTMENT_DEFAULTS.maxRecalls,
        park_return_after: input.parkReturnAfter ?? DEPARTMENT_DEFAULTS.parkReturnAfter,
        created_at: clock.now(),
      };
      try {
        await database.transact((trx) => repo.insertDepartment(trx, row));
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(`A department with code ${input.code} already exists.`);
        throw error;
      }
      await invalidation.publish({ kind: 'department', id: row.id });
      return toDepartment(row);
    },

    async updateDepartment(id: string, input: UpdateDepartmentBody): Promise<Department> {
      const updated = await database.transact(async (trx) => {
        const current = await repo.findDepartment(trx, id);
        if (!current) throw new NotFoundError(`Department ${id} does not exist.`);
        const changes = {
          ...(input.name !== undefined && { name: input.name }),
          ...(input.selfCheckIn !== undefined && { self_check_in: input.selfCheckIn ? 1 : 0 }),
          ...(input.maxWaitMinutes !== undefined && { max_wait_minutes: input.maxWaitMinutes }),
          ...(input.maxRecalls !== undefined && { max_recalls: input.maxRecalls }),
          ...(input.parkReturnAfter !== undefined && { park_return_after: input.parkReturnAfter }),
        };
        if (Object.keys(changes).length > 0) await repo.updateDepartment(trx, id, changes);
        return toDepartment({ ...current, ...changes });
      });
      await invalidation.publish({ kind: 'department', id });
      return updated;
    },

    async listDepartments(): Promise<Department[]> {
      return (await repo.listDepartments(db)).map(toDepartment);
    },

    getDepartment: async (id: string) => toDepartment(await requireDepartment(id)),

    async createCounter(input: CreateCounterBody): Promise<Counter> {
      const row: repo.CounterRow = { id: newId(), department_id: input.departmentId, name: input.name, created_at: clock.now() };
      await database.transact(async (trx) => {
        if (!(await repo.findDepartment(trx, input.departmentId))) {
          throw new ValidationError('The department does not exist.', [{ path: 'departmentId', message: 'no such department' }]);
        }
        await repo.insertCounter(trx, row);
      });
      await invalidation.publish({ kind: 'counter', id: row.id });
      return toCounter(row);
    },

    async listCounters(departmentId?: string): Promise<Counter[]> {
      return (await repo.listCounters(db, departmentId)).map(toCounter);
    },
  };
}

export type DepartmentsService = ReturnType<typeof createDepartmentsService>;
