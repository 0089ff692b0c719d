import { auditBy } from '../auth/auth.plugin.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  counterOrderBodySchema,
  counterSchema,
  createCounterBodySchema,
  createDepartmentBodySchema,
  departmentSchema,
  idParamsSchema,
  joinCodeSchema,
  listCountersQuerySchema,
  listDepartmentsQuerySchema,
  problemSchema,
  updateCounterBodySchema,
  updateDepartmentBodySchema,
} from '@smart-token/contracts';
import type { DepartmentsService } from './departments.service.js';
import type { JoinCodes } from './join-codes.js';
import { NotFoundError } from '../../errors.js';

const errors = { 400: problemSchema, 404: problemSchema, 409: problemSchema };

export const departmentsRoutes: FastifyPluginAsyncZod<{ departments: DepartmentsService; joinCodes: JoinCodes }> = async (app, { departments, joinCodes }) => {
  app.get(
    '/departments/:id/join-code',
    {
      config: { roles: ['admin', 'receptionist'] },
      schema: {
        tags: ['setup'],
        summary: 'The department’s current phone join code and the join page’s address for its waiting-area QR poster (rotates daily or hourly)',
        params: idParamsSchema,
        response: { 200: joinCodeSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema },
      },
    },
    async (request) => {
      const code = await joinCodes.current(request.params.id);
      if (!code) throw new NotFoundError(`Department ${request.params.id} does not exist.`);
      return code;
    },
  );

  app.post(
    '/departments',
    {
      schema: {
        tags: ['setup'],
        summary: 'Create a department; its code is the token prefix (code and name unique, 409 otherwise)',
        body: createDepartmentBodySchema,
        response: { 201: departmentSchema, 400: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await departments.createDepartment(request.body, auditBy(request))),
  );

  app.get(
    '/departments',
    {
      schema: {
        tags: ['setup'],
        summary: 'Every department (`?active=true`: only those taking tokens)',
        querystring: listDepartmentsQuerySchema,
        response: { 200: z.array(departmentSchema) },
      },
    },
    async (request) => departments.listDepartments({ onlyActive: request.query.active === 'true' }),
  );

  app.get(
    '/departments/:id',
    { schema: { tags: ['setup'], summary: 'One department', params: idParamsSchema, response: { 200: departmentSchema, 404: problemSchema } } },
    async (request) => departments.getDepartment(request.params.id),
  );

  app.patch(
    '/departments/:id',
    {
      schema: {
        tags: ['setup'],
        summary: 'Change a department: name, code (while no token carries it), queue settings, entry desk, active',
        params: idParamsSchema,
        body: updateDepartmentBodySchema,
        response: { 200: departmentSchema, ...errors },
      },
    },
    async (request) => departments.updateDepartment(request.params.id, request.body, auditBy(request)),
  );

  app.delete(
    '/departments/:id',
    {
      schema: {
        tags: ['setup'],
        summary: 'Delete a department nothing refers to (409 when it has tokens or counters: deactivate it instead)',
        params: idParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await departments.deleteDepartment(request.params.id, auditBy(request));
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/departments/:id/counter-order',
    {
      schema: {
        tags: ['setup'],
        summary: 'Put the department’s counters in this order (each of them once)',
        params: idParamsSchema,
        body: counterOrderBodySchema,
        response: { 200: z.array(counterSchema), ...errors },
      },
    },
    async (request) => departments.orderCounters(request.params.id, request.body, auditBy(request)),
  );

  app.post(
    '/counters',
    {
      schema: {
        tags: ['setup'],
        summary: 'Create a counter or room (its name unique in the department, 409 otherwise)',
        body: createCounterBodySchema,
        response: { 201: counterSchema, 400: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await departments.createCounter(request.body, auditBy(request))),
  );

  app.get(
    '/counters',
    {
      schema: {
        tags: ['setup'],
        summary: 'Every counter, or one department’s, in the admin’s order (`?active=true`: only those that can call)',
        querystring: listCountersQuerySchema,
        response: { 200: z.array(counterSchema) },
      },
    },
    async (request) => departments.listCounters({ departmentId: request.query.departmentId, onlyActive: request.query.active === 'true' }),
  );

  app.patch(
    '/counters/:id',
    {
      schema: {
        tags: ['setup'],
        summary: 'Rename, move, reorder, deactivate or reactivate a counter',
        params: idParamsSchema,
        body: updateCounterBodySchema,
        response: { 200: counterSchema, ...errors },
      },
    },
    async (request) => departments.updateCounter(request.params.id, request.body, auditBy(request)),
  );

  app.delete(
    '/counters/:id',
    {
      schema: {
        tags: ['setup'],
        summary: 'Delete a counter that never called anyone (409 otherwise: deactivate it instead)',
        params: idParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await departments.deleteCounter(request.params.id, auditBy(request));
      return reply.status(204).send(null);
    },
  );
};
