import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { boardQuerySchema, boardSettingsSchema, boardViewSchema, idParamsSchema, problemSchema, updateBoardSettingsBodySchema } from '@smart-token/contracts';
import { ADMIN_ONLY, BOARD_VIEWERS } from '../roles.js';
import type { DisplayService } from './display.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

export const displayRoutes: FastifyPluginAsyncZod<{ display: DisplayService }> = async (app, { display }) => {
  app.get(
    '/departments/:id/board',
    {
      config: { roles: BOARD_VIEWERS },
      schema: {
        tags: ['queue'],
        summary: 'A waiting-room board: one tile per counter (its latest call), next, recent calls, waiting count, typical wait, ticker; initials only with privacy=initials',
        params: idParamsSchema,
        querystring: boardQuerySchema,
        response: { 200: boardViewSchema, ...errors },
      },
    },
    async (request) => display.board(request.params.id, request.query.privacy),
  );

  app.get(
    '/departments/:id/board-settings',
    {
      config: { roles: BOARD_VIEWERS },
      schema: { tags: ['setup'], summary: 'The department board’s ticker and tile fade time', params: idParamsSchema, response: { 200: boardSettingsSchema, ...errors } },
    },
    async (request) => display.settings(request.params.id),
  );

  app.put(
    '/departments/:id/board-settings',
    {
      config: { roles: ADMIN_ONLY },
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
