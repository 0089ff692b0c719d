import {
  AUDIT_EXPORT_MAX_ROWS,
  AUDIT_PAGE_DEFAULT,
  TOKEN_NUMBER_PATTERN,
  type AuditEntry,
  type AuditExportQuery,
  type AuditFilter,
  type AuditPage,
  type AuditQuery,
  type AuditSearchBody,
  type AuditVerificationResult,
} from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { entryBy, type AuditBy, type AuditTrail } from './audit.js';
import * as repo from './audit.repository.js';
import { readCheckpoints } from './audit-files.js';
import { verifyAuditTrail } from './verify.js';

/** Entries read per query while writing an export. */
const EXPORT_CHUNK = 500;
/** Tokens listed with each entry on a page (a search or a line may show hundreds; `tokenCount` says how many). */
const TOKENS_SHOWN = 20;
/** Token ids kept in the record of a search by phone: the patient's latest visits. */
const PHONE_RECORDS = 500;

const CSV_COLUMNS = ['seq', 'at', 'type', 'actor_kind', 'actor_id', 'actor_label', 'subject_kind', 'subject_id', 'subject_label', 'action', 'outcome', 'ip', 'request_id', 'tokens', 'details', 'prev_mac', 'mac'] as const;

/** A cell a spreadsheet would run as a formula (CSV injection) starts with one of these. */
const FORMULA_START = /^[=+\-@\t\r]/;

export interface AuditExport {
  verification: AuditVerificationResult;
  /** The verification in one line of ASCII, for the `x-audit-verification` header. */
  summary: string;
  filename: string;
  contentType: string;
  rows: number;
  truncated: boolean;
  /** The file, written as it is read (the first line is the verification). */
  body: AsyncIterable<string>;
}

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `whole; entries=12; checkpoints=1` or `broken; seq=7; kind=altered; entries=6`: what the header and the CSV's first line say. */
export function verificationSummary(v: AuditVerificationResult): string {
  return v.ok ? `whole; entries=${v.entries}; checkpoints=${v.checkpoints}` : `broken; seq=${v.seq}; kind=${v.kind}; entries=${v.entries}`;
}

/** The filters as the repository takes them: times as epoch ms, a token number's tokens, the types as a list. */
function entryFilter(filter: AuditFilter): repo.EntryFilter {
  return {
    ...(filter.from !== undefined && { from: Date.parse(filter.from) }),
    ...(filter.to !== undefined && { to: Date.parse(filter.to) }),
    ...(filter.actor !== undefined && { actorId: filter.actor }),
    ...(filter.type !== undefined && { types: filter.type.split(',') }),
    ...(filter.outcome !== undefined && { outcome: filter.outcome }),
    ...(filter.token !== undefined && { token: { id: filter.token, ...(TOKEN_NUMBER_PATTERN.test(filter.token) && { number: filter.token.toUpperCase() }) } }),
  };
}

/** Only the filters (what the trail records about a listing or an export): never paging, never a phone. */
function filtersOf(input: AuditFilter): AuditFilter {
  const { from, to, actor, token, type, outcome } = input;
  return { ...(from && { from }), ...(to && { to }), ...(actor && { actor }), ...(token && { token }), ...(type && { type }), ...(outcome && { outcome }) };
}

function parseDetails(details: string | null): Record<string, unknown> | undefined {
  if (details === null) return undefined;
  const parsed: unknown = JSON.parse(details);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { value: parsed };
  // The tokens a read showed are listed as `tokens` (with their numbers), not again as ids.
  const { records: _records, ...rest } = parsed as Record<string, unknown>;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

type TokenRef = { id: string; number?: string };

function entryOf(row: repo.EntryRow, tokens: readonly TokenRef[], shown: number): AuditEntry {
  const details = parseDetails(row.details);
  return {
    seq: Number(row.seq),
    id: row.id,
    at: new Date(Number(row.at)).toISOString(),
    type: row.type as AuditEntry['type'],
    actor: { kind: row.actor_kind as AuditEntry['actor']['kind'], ...(row.actor_id !== null && { id: row.actor_id }), ...(row.actor_label !== null && { label: row.actor_label }) },
    ...(row.subject_kind !== null && {
      subject: { kind: row.subject_kind as NonNullable<AuditEntry['subject']>['kind'], ...(row.subject_id !== null && { id: row.subject_id }), ...(row.subject_label !== null && { label: row.subject_label }) },
    }),
    action: row.action,
    outcome: row.outcome as AuditEntry['outcome'],
    ...(row.ip !== null && { ip: row.ip }),
    ...(row.request_id !== null && { requestId: row.request_id }),
    ...(details && { details }),
    tokens: tokens.slice(0, shown),
    tokenCount: tokens.length,
  };
}

/**
 * The audit trail for admins and auditors: listing with filters (who saw a patient's tokens, what
 * an account did), a patient's trail by phone, and exports that carry the chain's verification.
 * Every listing and export is itself recorded.
 */
export function createAuditAdminService(deps: {
  database: Database;
  audit: AuditTrail;
  clock: Clock;
  /** The audit key (verifies the chain). */
  key: Uint8Array;
  /** Where signed checkpoints are kept (the data folder's audit/ and AUDIT_CHECKPOINT_DIR). */
  checkpointFolders: readonly string[];
  /** A patient's phone (as typed) to the blind index its tokens carry; a bad number is a ValidationError. */
  phoneIndex: (phone: string) => string;
}) {
  const { database, audit, clock, key, checkpointFolders, phoneIndex } = deps;
  const db = database.db;

  async function tokensBySeq(rows: readonly repo.EntryRow[]): Promise<Map<number, TokenRef[]>> {
    const bySeq = new Map<number, TokenRef[]>();
    for (const r of await repo.tokensOfEntries(db, rows.map((row) => Number(row.seq)))) {
      const list = bySeq.get(r.seq) ?? [];
      list.push({ id: r.tokenId, ...(r.number !== null && { number: r.number }) });
      bySeq.set(r.seq, list);
    }
    for (const list of bySeq.values()) list.sort((a, b) => (a.number ?? a.id).localeCompare(b.number ?? b.id));
    return bySeq;
  }

  async function page(filter: repo.EntryFilter, paging: { cursor?: string | undefined; limit?: number | undefined }): Promise<AuditPage> {
    const limit = paging.limit ?? AUDIT_PAGE_DEFAULT;
    const rows = await repo.filteredEntries(db, filter, { order: 'desc', limit: limit + 1, ...(paging.cursor !== undefined && { before: Number(paging.cursor) }) });
    const shown = rows.slice(0, limit);
    const tokens = await tokensBySeq(shown);
    return {
      entries: shown.map((row) => entryOf(row, tokens.get(Number(row.seq)) ?? [], TOKENS_SHOWN)),
      nextCursor: rows.length > limit ? String(shown.at(-1)!.seq) : null,
    };
  }

  async function verify(): Promise<AuditVerificationResult> {
    const result = await verifyAuditTrail(db, key, { checkpoints: readCheckpoints(checkpointFolders) });
    return result.ok
      ? { ok: true, entries: result.entries, headSeq: result.head?.seq ?? null, checkpoints: result.checkpoints }
      : { ok: false, entries: result.entries, seq: result.problem.seq, kind: result.problem.kind, message: result.problem.message };
  }

  return {
    /** A page of the chained trail, newest first; recorded as `audit.viewed`. */
    async list(query: AuditQuery, by: AuditBy): Promise<AuditPage> {
      const result = await page(entryFilter(query), query);
      audit.note(entryBy(by, { type: 'audit.viewed', subject: { kind: 'audit' }, action: 'list', details: { filters: filtersOf(query), ...(query.cursor && { cursor: query.cursor }), shown: result.entries.length } }));
      return result;
    },

    /**
     * A patient's trail, found by phone: the entries concerning any token issued to it. The phone is
     * never recorded; the patient's tokens are (the record shows whose trail was read).
     */
    async searchByPhone(body: AuditSearchBody, by: AuditBy): Promise<AuditPage> {
      const index = phoneIndex(body.phone);
      const result = await page({ ...entryFilter(body), phoneIndex: index }, body);
      const records = await repo.tokenIdsOfPhoneIndex(db, index, PHONE_RECORDS);
      audit.note(entryBy(by, { type: 'audit.viewed', subject: { kind: 'audit' }, action: 'search by phone', details: { filters: filtersOf(body), byPhone: true, records, shown: result.entries.length } }));
      return result;
    },

    /**
     * The whole filtered range (up to AUDIT_EXPORT_MAX_ROWS) in the chain's order, as CSV or JSON
     * lines, headed by the chain's verification made just before; recorded as `audit.exported`.
     */
    async exportTrail(query: AuditExportQuery, by: AuditBy): Promise<AuditExport> {
      // A snapshot: the entries chained before the walk began, so the file and its verification agree.
      const head = await repo.chainHead(db);
      const verification = await verify();
      const filter: repo.EntryFilter = { ...entryFilter(query), maxSeq: head?.seq ?? 0 };
      const total = await repo.countEntries(db, filter);
      const rows = Math.min(total, AUDIT_EXPORT_MAX_ROWS);
      const truncated = total > AUDIT_EXPORT_MAX_ROWS;
      const madeAt = new Date(clock.now()).toISOString();
      const summary = verificationSummary(verification);
      const filters = filtersOf(query);
      audit.note(entryBy(by, { type: 'audit.exported', subject: { kind: 'audit' }, action: `export ${query.format}`, details: { filters, rows, truncated, verification: summary } }));
      const about = { rows, truncated, ...(truncated && { limit: AUDIT_EXPORT_MAX_ROWS }), upToSeq: head?.seq ?? 0, madeAt, madeBy: by.actor.label ?? by.actor.id ?? by.actor.kind, filters };

      async function* chunks(): AsyncGenerator<string> {
        if (query.format === 'jsonl') yield `${JSON.stringify({ verification, export: about })}\n`;
        else {
          yield `# verification: ${summary}${verification.ok ? '' : `: ${verification.message.replace(/[\r\n]+/g, ' ')}`}\n`;
          yield `# export: ${rows} entries up to seq ${about.upToSeq}${truncated ? ` (cut at ${AUDIT_EXPORT_MAX_ROWS}: narrow the range)` : ''}; made ${madeAt} by ${about.madeBy}; filters ${JSON.stringify(filters)}\n`;
          yield `${CSV_COLUMNS.join(',')}\n`;
        }
        let after = 0;
        for (let sent = 0; sent < rows; ) {
          const batch = await repo.filteredEntries(db, filter, { order: 'asc', after, limit: Math.min(EXPORT_CHUNK, rows - sent) });
          if (batch.length === 0) break;
          const tokens = await tokensBySeq(batch);
          const lines = batch.map((row) => {
            const concerned = tokens.get(Number(row.seq)) ?? [];
            if (query.format === 'jsonl') return JSON.stringify({ ...entryOf(row, concerned, concerned.length), prevMac: row.prev_mac, mac: row.mac });
            const cells = [Number(row.seq), new Date(Number(row.at)).toISOString(), row.type, row.actor_kind, row.actor_id, row.actor_label, row.subject_kind, row.subject_id, row.subject_label, row.action, row.outcome, row.ip, row.request_id];
            return [...cells, concerned.map((t) => t.number ?? t.id).join(' '), row.details, row.prev_mac, row.mac].map(csvCell).join(',');
          });
          yield `${lines.join('\n')}\n`;
          after = Number(batch.at(-1)!.seq);
          sent += batch.length;
        }
      }

      const stamp = madeAt.replace(/[:.]/g, '-');
      return {
        verification,
        summary,
        filename: `audit-${stamp}.${query.format}`,
        contentType: query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
        rows,
        truncated,
        body: chunks(),
      };
    },
  };
}

export type AuditAdminService = ReturnType<typeof createAuditAdminService>;
