import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createStaffUserBodySchema,
  emptyBodySchema,
  idParamsSchema,
  problemSchema,
  sessionInfoSchema,
  staffUserWithDepartmentsSchema,
  temporaryPasswordSchema,
  updateStaffUserBodySchema,
  userWithDepartmentsSchema,
} from '@smart-token/contracts';
import { requestContext, requirePrincipal } from '../auth/auth.plugin.js';
import type { AuthService } from '../auth/auth.service.js';
import type { UsersService } from './users.service.js';
import { auditBy } from '../auth/auth.plugin.js';

export const usersRoutes: FastifyPluginAsyncZod<{ users: UsersService; auth: Pick<AuthService, 'listSessions' | 'endSessionsOfUser'> }> = async (app, { users, auth }) => {
  const actorOf = (request: Parameters<typeof requestContext>[0]) => ({ userId: requirePrincipal(request).userId, context: requestContext(request) });
  app.post(
    '/users',
    { schema: { tags: ['setup'], summary: 'Create a staff user or device account, with the departments they work in', body: createStaffUserBodySchema, response: { 201: userWithDepartmentsSchema, 400: problemSchema, 409: problemSchema } } },
    async (request, reply) => reply.status(201).send(await users.createUser(request.body, auditBy(request))),
  );

  app.get('/users', { schema: { tags: ['setup'], summary: 'Every user, with their departments and whether they are disabled or locked out', response: { 200: z.array(staffUserWithDepartmentsSchema) } } }, async () => users.listUsers());

  app.patch(
    '/users/:id',
    {
      schema: {
        tags: ['setup'],
        summary: 'Rename, change the role or departments of, disable or enable a user (effective from their next request)',
        params: idParamsSchema,
        body: updateStaffUserBodySchema,
        response: { 200: userWithDepartmentsSchema, 400: problemSchema, 404: problemSchema },
      },
    },
    async (request) => users.updateUser(request.params.id, request.body, actorOf(request)),
  );

  app.post(
    '/users/:id/unlock',
    { schema: { tags: ['setup'], summary: "Lift the account's sign-in locks", params: idParamsSchema, body: emptyBodySchema, response: { 204: z.null(), 404: problemSchema } } },
    async (request, reply) => {
      await users.unlock(request.params.id, actorOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/users/:id/reset-password',
    {
      schema: {
        tags: ['setup'],
        summary: 'A temporary password, shown once; the user must change it at the next sign-in, their sessions end and locks lift',
        params: idParamsSchema,
        body: emptyBodySchema,
        response: { 200: temporaryPasswordSchema, 404: problemSchema },
      },
    },
    async (request) => users.resetPasswordByAdmin(request.params.id, actorOf(request)),
  );

  app.get(
    '/users/:id/sessions',
    { schema: { tags: ['setup'], summary: "A user's sessions that have not ended", params: idParamsSchema, response: { 200: z.array(sessionInfoSchema), 404: problemSchema } } },
    async (request) => {
      await users.assertExists(request.params.id);
      return auth.listSessions(request.params.id);
    },
  );

  app.delete(
    '/users/:id/sessions',
    { schema: { tags: ['setup'], summary: "End every session of a user", params: idParamsSchema, response: { 204: z.null(), 404: problemSchema } } },
    async (request, reply) => {
      await users.assertExists(request.params.id);
      await auth.endSessionsOfUser(request.params.id, 'admin', { actorId: requirePrincipal(request).userId, context: requestContext(request) });
      return reply.status(204).send(null);
    },
  );
};
