import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import {
  DEPARTMENT_DEFAULTS,
  type Counter,
  type CounterOrderBody,
  type CreateCounterBody,
  type CreateDepartmentBody,
  type Department,
  type UpdateCounterBody,
  type UpdateDepartmentBody,
} from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { isUniqueViolation } from '../../db/database.js';
import { AppError, NotFoundError, ValidationError } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { BY_SYSTEM, entryBy, type AuditBy, type AuditTrail } from '../audit/audit.js';
import type { CacheInvalidationBus, Invalidation } from '../cache/cache-invalidation.js';
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
    selfCheckIn: row.self_check_in,
    joinCodeRotation: row.join_code_rotation,
    maxWaitMinutes: row.max_wait_minutes,
    maxRecalls: row.max_recalls,
    parkReturnAfter: row.park_return_after,
    isEntry: row.is_entry === 1,
    active: row.active === 1,
    names: { ...(row.name_hi !== null && { hi: row.name_hi }), ...(row.name_ar !== null && { ar: row.name_ar }) },
    createdAt: iso(row.created_at),
  };
}

export const toCounter = (row: repo.CounterRow): Counter => ({
  id: row.id,
  departmentId: row.department_id,
  name: row.name,
  active: row.active === 1,
  sortOrder: row.sort_order,
});

/** A row another table still points at (a foreign key), on either database. */
function isForeignKeyViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = String((error as { code?: unknown }).code);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

const flag = (value: boolean): number => (value ? 1 : 0);

/**
 * Why a change was refused, for screens that say it in the reader's language: `errors[0].message`
 * is one of these, at the field (or `params.id`) concerned. `detail` says it in English.
 */
export const CONFLICT_REASONS = {
  exists: 'already exists',
  hasTokens: 'has tokens',
  hasCounters: 'has counters',
  busy: 'has a patient now',
  codePrinted: 'printed on tokens',
  inUse: 'in use',
} as const;

const conflict = (detail: string, path: string, reason: (typeof CONFLICT_REASONS)[keyof typeof CONFLICT_REASONS]) => new AppError('CONFLICT', 409, detail, [{ path, message: reason }]);

export function createDepartmentsService(deps: {
  database: Database;
  clock: Clock;
  invalidation: Pick<CacheInvalidationBus, 'publish' | 'subscribe' | 'catchUp'>;
  audit: AuditTrail;
}) {
  const { database, clock, invalidation, audit } = deps;
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

  async function publish(...changes: Invalidation[]): Promise<void> {
    for (const change of changes) await invalidation.publish(change);
  }

  /** Two names are one name when they differ only in case (the unique index's comparison). */
  async function assertDepartmentNameFree(trx: Kysely<DB>, name: string, exceptId?: string): Promise<void> {
    const other = await repo.departmentNamed(trx, name, exceptId);
    if (other) throw conflict(`A department named “${other.name}” already exists (code ${other.code}).`, 'body.name', CONFLICT_REASONS.exists);
  }

  async function assertDepartmentCodeFree(trx: Kysely<DB>, code: string, exceptId?: string): Promise<void> {
    const other = await repo.departmentWithCode(trx, code, exceptId);
    if (other) throw conflict(`A department with code ${code} already exists (${other.name}).`, 'body.code', CONFLICT_REASONS.exists);
  }

  async function assertCounterNameFree(trx: Kysely<DB>, department: repo.DepartmentRow, name: string, exceptId?: string): Promise<void> {
    const other = await repo.counterNamed(trx, department.id, name, exceptId);
    if (other) throw conflict(`Counter “${other.name}” already exists in ${department.name}.`, 'body.name', CONFLICT_REASONS.exists);
  }

  async function departmentForCounter(trx: Kysely<DB>, id: string): Promise<repo.DepartmentRow> {
    const department = await repo.findDepartment(trx, id);
    if (!department) throw new ValidationError(`Department ${id} does not exist.`, [{ path: 'departmentId', message: 'no such department' }]);
    return department;
  }

  /**
   * The friendly check runs first; two requests racing past it meet the unique index, which answers
   * with the same conflict (the loser's transaction rolls back whole).
   */
  async function uniquely<T>(work: () => Promise<T>, message: () => string): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(message(), 'body.name', CONFLICT_REASONS.exists);
      throw error;
    }
  }

  return {
    /**
     * Cached reads for other modules (queue, public, live): rows as stored, or undefined. Shared
     * and frozen; call them outside a transaction (they read through the pool, and SQLite has one
     * connection, which a transaction holds). A deactivated department or counter is still found
     * (its tokens are still served); check `active` where a new token or call is made.
     */
    findDepartment,
    findCounter,
    counterName: async (id: string): Promise<string | undefined> => (await findCounter(id))?.name,
    /** The department's counters in the admin's order (a new array each call, over the shared rows). */
    async countersOf(departmentId: string, trx?: Kysely<DB>): Promise<repo.CounterRow[]> {
      if (trx) return repo.listCounters(trx, departmentId);
      return [...((await countersByDepartment.get(departmentId, () => repo.listCounters(db, departmentId))) ?? [])];
    },
    /** Hears every change to departments and counters (any instance), for screens that show them live. */
    onChange(listener: () => void): void {
      invalidation.subscribe((message) => {
        if (message.kind === 'department' || message.kind === 'counter' || message.kind === 'everything') listener();
      });
    },

    async createDepartment(input: CreateDepartmentBody, by: AuditBy = BY_SYSTEM): Promise<Department> {
      const row: repo.DepartmentRow = {
        id: newId(),
        code: input.code,
        name: input.name,
        self_check_in: input.selfCheckIn ?? DEPARTMENT_DEFAULTS.selfCheckIn,
        join_code_rotation: input.joinCodeRotation ?? null,
        max_wait_minutes: input.maxWaitMinutes ?? DEPARTMENT_DEFAULTS.maxWaitMinutes,
        max_recalls: input.maxRecalls ?? DEPARTMENT_DEFAULTS.maxRecalls,
        park_return_after: input.parkReturnAfter ?? DEPARTMENT_DEFAULTS.parkReturnAfter,
        is_entry: flag(input.isEntry ?? false),
        active: flag(input.active ?? true),
        name_hi: input.names?.hi ?? null,
        name_ar: input.names?.ar ?? null,
        created_at: clock.now(),
      };
      await uniquely(
        () =>
          database.transact(async (trx) => {
            await assertDepartmentCodeFree(trx, row.code);
            await assertDepartmentNameFree(trx, row.name);
            await repo.insertDepartment(trx, row);
            await audit.record(trx, entryBy(by, { type: 'admin.department.created', action: 'create', subject: { kind: 'department', id: row.id, label: row.code }, details: { name: row.name, code: row.code } }));
          }),
        () => `A department with code ${row.code} or name “${row.name}” already exists.`,
      );
      await publish({ kind: 'department', id: row.id });
      return toDepartment(row);
    },

    async updateDepartment(id: string, input: UpdateDepartmentBody, by: AuditBy = BY_SYSTEM): Promise<Department> {
      const updated = await uniquely(
        () =>
          database.transact(async (trx) => {
            const current = await repo.findDepartment(trx, id);
            if (!current) throw new NotFoundError(`Department ${id} does not exist.`);
            if (input.name !== undefined) await assertDepartmentNameFree(trx, input.name, id);
            if (input.code !== undefined && input.code !== current.code) {
              await assertDepartmentCodeFree(trx, input.code, id);
              // The code is printed in every token number: old tickets would no longer match.
              if (await repo.departmentInUse(trx, id)) {
                throw conflict(`${current.name} has tokens numbered ${current.code}-…; its code cannot change. Create a new department instead.`, 'body.code', CONFLICT_REASONS.codePrinted);
              }
            }
            const changes = {
              ...(input.name !== undefined && { name: input.name }),
              ...(input.code !== undefined && { code: input.code }),
              ...(input.selfCheckIn !== undefined && { self_check_in: input.selfCheckIn }),
              ...(input.joinCodeRotation !== undefined && { join_code_rotation: input.joinCodeRotation }),
              ...(input.maxWaitMinutes !== undefined && { max_wait_minutes: input.maxWaitMinutes }),
              ...(input.maxRecalls !== undefined && { max_recalls: input.maxRecalls }),
              ...(input.parkReturnAfter !== undefined && { park_return_after: input.parkReturnAfter }),
              ...(input.isEntry !== undefined && { is_entry: flag(input.isEntry) }),
              ...(input.active !== undefined && { active: flag(input.active) }),
              // `names` is the whole set: a language left out has no name of its own any more.
              ...(input.names !== undefined && { name_hi: input.names.hi ?? null, name_ar: input.names.ar ?? null }),
            };
            if (Object.keys(changes).length > 0) await repo.updateDepartment(trx, id, changes);
            await audit.record(trx, entryBy(by, { type: 'admin.department.updated', action: 'update', subject: { kind: 'department', id, label: current.code }, details: { changed: changes } }));
            return toDepartment({ ...current, ...changes });
          }),
        () => `Another department already has that name or code.`,
      );
      await publish({ kind: 'department', id });
      return updated;
    },

    /** Deletes a department nothing refers to; one with tokens or counters is deactivated instead. */
    async deleteDepartment(id: string, by: AuditBy = BY_SYSTEM): Promise<void> {
      try {
        await database.transact(async (trx) => {
          const current = await repo.findDepartment(trx, id);
          if (!current) throw new NotFoundError(`Department ${id} does not exist.`);
          if (await repo.departmentInUse(trx, id)) throw conflict(`${current.name} has tokens; deactivate it instead.`, 'params.id', CONFLICT_REASONS.hasTokens);
          const counterCount = await repo.countCounters(trx, id);
          if (counterCount > 0) {
            throw conflict(
              `${current.name} still has ${counterCount === 1 ? 'a counter' : `${counterCount} counters`}; delete ${counterCount === 1 ? 'it' : 'them'} first, or deactivate the department.`,
              'params.id',
              CONFLICT_REASONS.hasCounters,
            );
          }
          await repo.deleteDepartmentBookkeeping(trx, id);
          await repo.deleteDepartment(trx, id);
          await audit.record(trx, entryBy(by, { type: 'admin.department.deleted', action: 'delete', subject: { kind: 'department', id, label: current.code }, details: { name: current.name } }));
        });
      } catch (error) {
        if (isForeignKeyViolation(error)) throw conflict(`The department is still in use (staff or screens are assigned to it); deactivate it instead.`, 'params.id', CONFLICT_REASONS.inUse);
        throw error;
      }
      await publish({ kind: 'department', id });
    },

    async listDepartments(options: { onlyActive?: boolean } = {}): Promise<Department[]> {
      return (await repo.listDepartments(db, options.onlyActive)).map(toDepartment);
    },

    getDepartment: async (id: string) => toDepartment(await requireDepartment(id)),

    async createCounter(input: CreateCounterBody, by: AuditBy = BY_SYSTEM): Promise<Counter> {
      const row = await uniquely(
        () =>
          database.transact(async (trx) => {
            const department = await departmentForCounter(trx, input.departmentId);
            await assertCounterNameFree(trx, department, input.name);
            const row: repo.CounterRow = {
              id: newId(),
              department_id: department.id,
              name: input.name,
              active: flag(input.active ?? true),
              sort_order: input.sortOrder ?? (await repo.nextSortOrder(trx, department.id)),
              created_at: clock.now(),
            };
            await repo.insertCounter(trx, row);
            await audit.record(trx, entryBy(by, { type: 'admin.counter.created', action: 'create', subject: { kind: 'counter', id: row.id, label: row.name }, details: { departmentId: row.department_id } }));
            return row;
          }),
        () => `Counter “${input.name}” already exists in that department.`,
      );
      await publish({ kind: 'counter', id: row.id });
      return toCounter(row);
    },

    async updateCounter(id: string, input: UpdateCounterBody, by: AuditBy = BY_SYSTEM): Promise<Counter> {
      const updated = await uniquely(
        () =>
          database.transact(async (trx) => {
            const current = await repo.findCounter(trx, id);
            if (!current) throw new NotFoundError(`Counter ${id} does not exist.`);
            const moving = input.departmentId !== undefined && input.departmentId !== current.department_id;
            const department = await departmentForCounter(trx, input.departmentId ?? current.department_id);
            if (input.name !== undefined || moving) await assertCounterNameFree(trx, department, input.name ?? current.name, id);
            const deactivating = input.active === false && current.active === 1;
            if ((moving || deactivating) && (await repo.counterBusy(trx, id))) {
              throw conflict(`${current.name} has a patient now (called or being served); complete or move them first.`, 'params.id', CONFLICT_REASONS.busy);
            }
            const changes = {
              ...(input.name !== undefined && { name: input.name }),
              ...(moving && { department_id: department.id, sort_order: await repo.nextSortOrder(trx, department.id) }),
              ...(input.active !== undefined && { active: flag(input.active) }),
              ...(input.sortOrder !== undefined && { sort_order: input.sortOrder }),
            };
            if (Object.keys(changes).length > 0) await repo.updateCounter(trx, id, changes);
            await audit.record(trx, entryBy(by, { type: 'admin.counter.updated', action: 'update', subject: { kind: 'counter', id, label: current.name }, details: { changed: changes } }));
            return toCounter({ ...current, ...changes });
          }),
        () => `Counter “${input.name ?? ''}” already exists in that department.`,
      );
      // A counter's message drops every department's list of counters too (it may have moved).
      await publish({ kind: 'counter', id });
      return updated;
    },

    /** Deletes a counter that never served anyone; one with history is deactivated instead. */
    async deleteCounter(id: string, by: AuditBy = BY_SYSTEM): Promise<void> {
      try {
        await database.transact(async (trx) => {
          const current = await repo.findCounter(trx, id);
          if (!current) throw new NotFoundError(`Counter ${id} does not exist.`);
          if (await repo.counterInUse(trx, id)) throw conflict(`${current.name} has called patients; deactivate it instead.`, 'params.id', CONFLICT_REASONS.hasTokens);
          await repo.deleteCounter(trx, id);
          await audit.record(trx, entryBy(by, { type: 'admin.counter.deleted', action: 'delete', subject: { kind: 'counter', id, label: current.name }, details: { departmentId: current.department_id } }));
        });
      } catch (error) {
        if (isForeignKeyViolation(error)) throw conflict(`The counter is still in use; deactivate it instead.`, 'params.id', CONFLICT_REASONS.inUse);
        throw error;
      }
      await publish({ kind: 'counter', id });
    },

    /** Puts a department's counters in the order given (every one of them, once). */
    async orderCounters(departmentId: string, input: CounterOrderBody, by: AuditBy = BY_SYSTEM): Promise<Counter[]> {
      const ordered = await database.transact(async (trx) => {
        const department = await repo.findDepartment(trx, departmentId);
        if (!department) throw new NotFoundError(`Department ${departmentId} does not exist.`);
        const current = await repo.listCounters(trx, departmentId);
        const known = new Set(current.map((c) => c.id));
        const given = new Set(input.counterIds);
        if (given.size !== input.counterIds.length || given.size !== known.size || input.counterIds.some((c) => !known.has(c))) {
          throw new ValidationError(`List every counter of ${department.name} once, in the new order.`, [
            { path: 'body.counterIds', message: `must hold each of the department's ${known.size} counters once` },
          ]);
        }
        const byId = new Map(current.map((c) => [c.id, c]));
        const rows: repo.CounterRow[] = [];
        for (const [position, counterId] of input.counterIds.entries()) {
          const row = byId.get(counterId)!;
          if (row.sort_order !== position) await repo.updateCounter(trx, counterId, { sort_order: position });
          rows.push({ ...row, sort_order: position });
        }
        await audit.record(trx, entryBy(by, { type: 'admin.counter.updated', action: 'reorder', subject: { kind: 'department', id: departmentId, label: department.code }, details: { counterIds: input.counterIds } }));
        return rows;
      });
      await publish(...ordered.map((c) => ({ kind: 'counter' as const, id: c.id })));
      return ordered.map(toCounter);
    },

    async listCounters(options: { departmentId?: string; onlyActive?: boolean } = {}): Promise<Counter[]> {
      return (await repo.listCounters(db, options.departmentId, options.onlyActive)).map(toCounter);
    },
  };
}

export type DepartmentsService = ReturnType<typeof createDepartmentsService>;
