import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { todayReportSchema } from '@smart-token/contracts';
import type { ReportsService } from './reports.service.js';

export const reportsRoutes: FastifyPluginAsyncZod<{ reports: ReportsService }> = async (app, { reports }) => {
  app.get(
    '/reports/today',
    {
      schema: {
        tags: ['reports'],
        summary: 'Today so far: tokens issued, waiting now, average and 90th-percentile wait, served per counter, no-shows (no personal data)',
        response: { 200: todayReportSchema },
      },
    },
    async () => reports.today(),
  );
};
