import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  counterOrderBodySchema,
  counterSchema,
  createCounterBodySchema,
  createDepartmentBodySchema,
  departmentSchema,
  idParamsSchema,
  listCountersQuerySchema,
  listDepartmentsQuerySchema,
  problemSchema,
  updateCounterBodySchema,
  updateDepartmentBodySchema,
} from '@smart-token/contracts';
import { ADMIN_ONLY, ANY_STAFF } from '../roles.js';
import type { DepartmentsService } from './departments.service.js';

const errors = { 400: problemSchema, 404: problemSchema, 409: problemSchema };

export const departmentsRoutes: FastifyPluginAsyncZod<{ departments: DepartmentsService }> = async (app, { departments }) => {
  app.post(
    '/departments',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['setup'],
        summary: 'Create a department; its code is the token prefix (code and name unique, 409 otherwise)',
        body: createDepartmentBodySchema,
        response: { 201: departmentSchema, 400: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await departments.createDepartment(request.body)),
  );

  app.get(
    '/departments',
    {
      config: { roles: ANY_STAFF },
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
    { config: { roles: ANY_STAFF }, schema: { tags: ['setup'], summary: 'One department', params: idParamsSchema, response: { 200: departmentSchema, 404: problemSchema } } },
    async (request) => departments.getDepartment(request.params.id),
  );

  app.patch(
    '/departments/:id',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['setup'],
        summary: 'Change a department: name, code (while no token carries it), queue settings, entry desk, active',
        params: idParamsSchema,
        body: updateDepartmentBodySchema,
        response: { 200: departmentSchema, ...errors },
      },
    },
    async (request) => departments.updateDepartment(request.params.id, request.body),
  );

  app.delete(
    '/departments/:id',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['setup'],
        summary: 'Delete a department nothing refers to (409 when it has tokens or counters: deactivate it instead)',
        params: idParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await departments.deleteDepartment(request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/departments/:id/counter-order',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['setup'],
        summary: 'Put the department’s counters in this order (each of them once)',
        params: idParamsSchema,
        body: counterOrderBodySchema,
        response: { 200: z.array(counterSchema), ...errors },
      },
    },
    async (request) => departments.orderCounters(request.params.id, request.body),
  );

  app.post(
    '/counters',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['setup'],
        summary: 'Create a counter or room (its name unique in the department, 409 otherwise)',
        body: createCounterBodySchema,
        response: { 201: counterSchema, 400: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await departments.createCounter(request.body)),
  );

  app.get(
    '/counters',
    {
      config: { roles: ANY_STAFF },
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
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['setup'],
        summary: 'Rename, move, reorder, deactivate or reactivate a counter',
        params: idParamsSchema,
        body: updateCounterBodySchema,
        response: { 200: counterSchema, ...errors },
      },
    },
    async (request) => departments.updateCounter(request.params.id, request.body),
  );

  app.delete(
    '/counters/:id',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['setup'],
        summary: 'Delete a counter that never called anyone (409 otherwise: deactivate it instead)',
        params: idParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await departments.deleteCounter(request.params.id);
      return reply.status(204).send(null);
    },
  );
};
