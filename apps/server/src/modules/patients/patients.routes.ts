import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { patientSearchBodySchema, patientSearchResponseSchema, phoneFormatSchema, problemSchema } from '@smart-token/contracts';
import type { PatientsService } from './patients.service.js';

export const patientsRoutes: FastifyPluginAsyncZod<{ patients: PatientsService }> = async (app, { patients }) => {
  app.post(
    '/patients/search',
    {
      config: { recordAccess: 'patient.search' },
      schema: { tags: ['queue'], summary: 'Find a returning patient by phone, with the phone’s tokens still in a line today', body: patientSearchBodySchema, response: { 200: patientSearchResponseSchema, 400: problemSchema } },
    },
    async (request) => patients.searchByPhone(request.body.phone),
  );

  app.get(
    '/patients/phone-format',
    {
      schema: { tags: ['queue'], summary: 'The clinic’s phone region and an example number, for forms to show', response: { 200: phoneFormatSchema } },
    },
    async () => patients.phoneFormat(),
  );
};
