import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_EXPORT_MAX_ROWS, auditExportQuerySchema, auditPageSchema, auditQuerySchema, auditSearchBodySchema, problemSchema } from '@smart-token/contracts';
import { auditBy } from '../auth/auth.plugin.js';
import type { AuditAdminService } from './audit-admin.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema };
const CHAINED_ONLY = 'Lists chained entries only: an event joins the trail within seconds of being recorded.';

/** The audit trail for admins: list and filter, a patient's trail by phone, and exports with their verification. */
export const auditAdminRoutes: FastifyPluginAsyncZod<{ auditAdmin: AuditAdminService }> = async (app, { auditAdmin }) => {
  app.get(
    '/admin/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit trail, newest first, by time range, actor, token (id or number), event type and outcome; paged by cursor',
        description: `${CHAINED_ONLY} Each listing is itself recorded (audit.viewed).`,
        querystring: auditQuerySchema,
        response: { 200: auditPageSchema, ...errors },
      },
    },
    async (request) => auditAdmin.list(request.query, auditBy(request)),
  );

  app.post(
    '/admin/audit/search',
    {
      schema: {
        tags: ['audit'],
        summary: 'A patient’s audit trail by phone (in the body: a phone never travels in a URL), with the same filters and paging',
        description: `${CHAINED_ONLY} The search is recorded with the patient’s tokens, never the phone.`,
        body: auditSearchBodySchema,
        response: { 200: auditPageSchema, ...errors },
      },
    },
    async (request) => auditAdmin.searchByPhone(request.body, auditBy(request)),
  );

  app.get(
    '/admin/audit/export',
    {
      schema: {
        tags: ['audit'],
        summary: `The filtered trail as a file (CSV or JSON lines, oldest first, at most ${AUDIT_EXPORT_MAX_ROWS} entries) headed by the chain’s verification`,
        description:
          `${CHAINED_ONLY} The header x-audit-verification says \`whole; entries=…; checkpoints=…\` or \`broken; seq=…; kind=…; entries=…\`; ` +
          'the file says it again in its first line (JSON lines: `{"verification":…,"export":…}`; CSV: `# verification: …`). Each export is itself recorded (audit.exported).',
        querystring: auditExportQuerySchema,
        response: { 200: z.any().describe('text/csv or application/x-ndjson, as an attachment'), ...errors },
      },
    },
    async (request, reply) => {
      const file = await auditAdmin.exportTrail(request.query, auditBy(request));
      return reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .header('x-audit-verification', file.summary)
        .header('x-audit-export-rows', String(file.rows))
        .send(Readable.from(file.body));
    },
  );
};
