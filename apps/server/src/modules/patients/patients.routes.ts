import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { patientSearchBodySchema, patientSearchResponseSchema, problemSchema } from '@smart-token/contracts';
import type { Role } from '@smart-token/contracts';
import type { PatientsService } from './patients.service.js';

/** Reception and admins look patients up; the phone travels in the body, never in a URL. */
const SEARCHERS: readonly Role[] = ['admin', 'receptionist'];

export const patientsRoutes: FastifyPluginAsyncZod<{ patients: PatientsService }> = async (app, { patients }) => {
  app.post(
    '/patients/search',
    {
      config: { roles: SEARCHERS },
      schema: { tags: ['queue'], summary: 'Find a returning patient by phone', body: patientSearchBodySchema, response: { 200: patientSearchResponseSchema, 400: problemSchema } },
    },
    async (request) => patients.searchByPhone(request.body.phone),
  );
};
