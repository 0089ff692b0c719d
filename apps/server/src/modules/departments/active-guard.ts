import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../errors.js';
import type { DepartmentsService } from './departments.service.js';

/** Where a request names the department a token would join, or the counter that would call. */
interface Target {
  department?: (request: FastifyRequest) => string | undefined;
  counter?: (request: FastifyRequest) => string | undefined;
}

const bodyField = (field: string) => (request: FastifyRequest) => {
  const value = (request.body as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value : undefined;
};
const pathId = (request: FastifyRequest) => (request.params as { id?: string } | undefined)?.id;

/**
 * The routes that put a token into a department's line or call one to a counter. A deactivated
 * department takes no new tokens (issue, check-in, transfer, sending on); a deactivated counter
 * calls nobody. Tokens already in a deactivated department's line are still served, so calls from
 * its active counters are left alone. Checked after authentication and validation, before the work.
 */
const GUARDED: Record<string, Target> = {
  'POST /api/v1/tokens': { department: bodyField('departmentId') },
  'POST /api/v1/public/check-in': { department: bodyField('departmentId') },
  'POST /api/v1/tokens/:id/transfer': { department: bodyField('departmentId') },
  'POST /api/v1/tokens/:id/complete': { department: bodyField('nextDepartmentId') },
  'POST /api/v1/tokens/:id/call': { counter: bodyField('counterId') },
  'POST /api/v1/counters/:id/call-next': { counter: pathId },
  'POST /api/v1/counters/:id/complete-and-call-next': { counter: pathId, department: bodyField('nextDepartmentId') },
};

class InactiveError extends AppError {
  constructor(detail: string) {
    super('CONFLICT', 409, detail);
  }
}

/** Refuses new tokens into a deactivated department and calls from a deactivated counter (409, naming it). */
export const activeGuardPlugin = fp(
  async (app: FastifyInstance, { departments }: { departments: DepartmentsService }) => {
    app.addHook('preHandler', async (request) => {
      const target = GUARDED[`${request.method} ${request.routeOptions.url ?? ''}`];
      if (!target) return;
      const departmentId = target.department?.(request);
      if (departmentId) {
        const department = await departments.findDepartment(departmentId);
        // An unknown id is the route's own 400/404 to give.
        if (department?.active === 0) throw new InactiveError(`${department.name} is deactivated and takes no new tokens; choose another department.`);
      }
      const counterId = target.counter?.(request);
      if (counterId) {
        const counter = await departments.findCounter(counterId);
        if (counter?.active === 0) throw new InactiveError(`${counter.name} is deactivated and cannot call patients; an admin can reactivate it.`);
      }
    });
  },
  { name: 'departments-active-guard' },
);
