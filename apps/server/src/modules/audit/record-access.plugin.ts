import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { auditBy } from '../auth/auth.plugin.js';
import { entryBy, type AuditEventType, type AuditTrail } from './audit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route shows patients' data to staff: each successful answer is recorded in the audit trail
     * under this type, with who asked, from where, and which tokens the answer showed.
     */
    recordAccess?: AuditEventType;
  }
}

const TOKEN_NUMBER = /^[A-Z]{1,6}-\d{3,}$/;
/** An answer naming more tokens than this is recorded with the first ones and the count. */
const MAX_RECORDS = 500;

/** The ids of every token an answer shows: each object with an `id` and a token `number`, at any depth. */
export function tokenIdsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) tokenIdsIn(item, found);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (typeof record.id === 'string' && typeof record.number === 'string' && TOKEN_NUMBER.test(record.number)) found.add(record.id);
    for (const child of Object.values(record)) if (typeof child === 'object' && child !== null) tokenIdsIn(child, found);
  }
  return found;
}

function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url}`;
}

/**
 * Record-access tracking: reads of patients' data (a token's detail, searches, lines, histories)
 * are recorded from what the answer actually showed, so the trail can say who saw which patient.
 */
export const recordAccessPlugin = fp(
  async (app: FastifyInstance, opts: { audit: AuditTrail }) => {
    app.addHook('onSend', async (request, reply, payload) => {
      const type = request.routeOptions.config.recordAccess;
      if (!type || reply.statusCode >= 300 || !request.principal) return payload;
      const shown = typeof payload === 'string' ? [...tokenIdsIn(JSON.parse(payload))] : [];
      opts.audit.note(
        entryBy(auditBy(request), {
          type,
          action: routeOf(request),
          ...(shown.length === 1 && { subject: { kind: 'token' as const, id: shown[0] } }),
          details: { records: shown.slice(0, MAX_RECORDS), ...(shown.length > MAX_RECORDS && { recordCount: shown.length }) },
        }),
      );
      return payload;
    });
  },
  { name: 'record-access' },
);
