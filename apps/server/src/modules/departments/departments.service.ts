import { DEPARTMENT_DEFAULTS, type Counter, type CreateCounterBody, type CreateDepartmentBody, type Department, type UpdateDepartmentBody } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { isUniqueViolation } from '../../db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import * as repo from './departments.repository.js';

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

export function createDepartmentsService(deps: { database: Database; clock: Clock }) {
  const { database, clock } = deps;
  const { db } = database;

  async function requireDepartment(id: string): Promise<repo.DepartmentRow> {
    const row = await repo.findDepartment(db, id);
    if (!row) throw new NotFoundError(`Department ${id} does not exist.`);
    return row;
  }

  return {
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
      return toDepartment(row);
    },

    async updateDepartment(id: string, input: UpdateDepartmentBody): Promise<Department> {
      return database.transact(async (trx) => {
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
      return toCounter(row);
    },

    async listCounters(departmentId?: string): Promise<Counter[]> {
      return (await repo.listCounters(db, departmentId)).map(toCounter);
    },
  };
}

export type DepartmentsService = ReturnType<typeof createDepartmentsService>;
