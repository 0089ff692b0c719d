import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createUserBodySchema, problemSchema, userSchema } from '@smart-token/contracts';
import { ADMIN_ONLY } from '../roles.js';
import type { UsersService } from './users.service.js';

export const usersRoutes: FastifyPluginAsyncZod<{ users: UsersService }> = async (app, { users }) => {
  app.post(
    '/users',
    {
      config: { roles: ADMIN_ONLY },
      schema: { tags: ['setup'], summary: 'Create a staff user or device account', body: createUserBodySchema, response: { 201: userSchema, 400: problemSchema, 409: problemSchema } },
    },
    async (request, reply) => reply.status(201).send(await users.createUser(request.body)),
  );

  app.get(
    '/users',
    { config: { roles: ADMIN_ONLY }, schema: { tags: ['setup'], summary: 'Every user', response: { 200: z.array(userSchema) } } },
    async () => users.listUsers(),
  );
};
