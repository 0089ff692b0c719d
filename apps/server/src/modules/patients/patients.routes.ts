import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { patientSearchBodySchema, patientSearchResponseSchema, phoneFormatSchema, problemSchema } from '@smart-token/contracts';
import type { Role } from '@smart-token/contracts';
import type { PatientsService } from './patients.service.js';

/** Reception and admins look patients up; the phone travels in the body, never in a URL. */
const SEARCHERS: readonly Role[] = ['admin', 'receptionist'];
/** Every screen that takes a phone number: reception, admin, the counter, the kiosk. */
const PHONE_FORMS: readonly Role[] = ['admin', 'receptionist', 'doctor', 'kiosk'];

export const patientsRoutes: FastifyPluginAsyncZod<{ patients: PatientsService }> = async (app, { patients }) => {
  app.post(
    '/patients/search',
    {
      config: { roles: SEARCHERS },
      schema: { tags: ['queue'], summary: 'Find a returning patient by phone, with the phone’s tokens still in a line today', body: patientSearchBodySchema, response: { 200: patientSearchResponseSchema, 400: problemSchema } },
    },
    async (request) => patients.searchByPhone(request.body.phone),
  );

  app.get(
    '/patients/phone-format',
    {
      config: { roles: PHONE_FORMS },
      schema: { tags: ['queue'], summary: 'The clinic’s phone region and an example number, for forms to show', response: { 200: phoneFormatSchema } },
    },
    async () => patients.phoneFormat(),
  );
};
