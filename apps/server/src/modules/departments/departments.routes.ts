import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  counterSchema,
  createCounterBodySchema,
  createDepartmentBodySchema,
  departmentSchema,
  idParamsSchema,
  idSchema,
  problemSchema,
  updateDepartmentBodySchema,
} from '@smart-token/contracts';
import { ADMIN_ONLY, ANY_STAFF } from '../roles.js';
import type { DepartmentsService } from './departments.service.js';

export const departmentsRoutes: FastifyPluginAsyncZod<{ departments: DepartmentsService }> = async (app, { departments }) => {
  app.post(
    '/departments',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['setup'],
        summary: 'Create a department; its code is the token prefix',
        body: createDepartmentBodySchema,
        response: { 201: departmentSchema, 400: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await departments.createDepartment(request.body)),
  );

  app.get(
    '/departments',
    { config: { roles: ANY_STAFF }, schema: { tags: ['setup'], summary: 'Every department', response: { 200: z.array(departmentSchema) } } },
    async () => departments.listDepartments(),
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
        summary: 'Change a department’s name or queue settings',
        params: idParamsSchema,
        body: updateDepartmentBodySchema,
        response: { 200: departmentSchema, 400: problemSchema, 404: problemSchema },
      },
    },
    async (request) => departments.updateDepartment(request.params.id, request.body),
  );

  app.post(
    '/counters',
    {
      config: { roles: ADMIN_ONLY },
      schema: { tags: ['setup'], summary: 'Create a counter or room', body: createCounterBodySchema, response: { 201: counterSchema, 400: problemSchema } },
    },
    async (request, reply) => reply.status(201).send(await departments.createCounter(request.body)),
  );

  app.get(
    '/counters',
    {
      config: { roles: ANY_STAFF },
      schema: { tags: ['setup'], summary: 'Every counter, or one department’s', querystring: z.strictObject({ departmentId: idSchema.optional() }), response: { 200: z.array(counterSchema) } },
    },
    async (request) => departments.listCounters(request.query.departmentId),
  );
};
