import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { boardQuerySchema, boardSettingsSchema, boardViewSchema, idParamsSchema, problemSchema, updateBoardSettingsBodySchema } from '@smart-token/contracts';
import { requirePrincipal } from '../auth/auth.plugin.js';
import type { Principal } from '../auth/auth.service.js';
import { ForbiddenError } from '../../errors.js';
import type { DisplayService } from './display.service.js';

/** A board device sees only the departments its key names (staff keep seeing every board). */
function requireDepartmentOf(principal: Principal, departmentId: string): void {
  if (principal.device && !(principal.departmentIds ?? []).includes(departmentId)) {
    throw new ForbiddenError(`This board may not show department ${departmentId}; an admin chooses its departments in Admin → Devices.`);
  }
}

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

export const displayRoutes: FastifyPluginAsyncZod<{ display: DisplayService }> = async (app, { display }) => {
  app.get(
    '/departments/:id/board',
    {
      schema: {
        tags: ['queue'],
        summary: 'A waiting-room board: one tile per counter (its latest call), next, recent calls, waiting count, typical wait, ticker; initials only with privacy=initials (a board device: only as its key says, and only its departments)',
        params: idParamsSchema,
        querystring: boardQuerySchema,
        response: { 200: boardViewSchema, ...errors },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      requireDepartmentOf(principal, request.params.id);
      // A board device shows what its key allows, whatever its URL asks; staff choose.
      return display.board(request.params.id, principal.device ? principal.device.privacy : request.query.privacy);
    },
  );

  app.get(
    '/departments/:id/board-settings',
    {
      schema: { tags: ['setup'], summary: 'The department board’s ticker and tile fade time', params: idParamsSchema, response: { 200: boardSettingsSchema, ...errors } },
    },
    async (request) => {
      requireDepartmentOf(requirePrincipal(request), request.params.id);
      return display.settings(request.params.id);
    },
  );

  app.put(
    '/departments/:id/board-settings',
    {
      schema: {
        tags: ['setup'],
        summary: 'Set the department board’s ticker (up to 500 characters, empty for none) and after how many minutes unchanged tiles fade (0: never)',
        params: idParamsSchema,
        body: updateBoardSettingsBodySchema,
        response: { 200: boardSettingsSchema, ...errors },
      },
    },
    async (request) => display.updateSettings(request.params.id, request.body),
  );
};
