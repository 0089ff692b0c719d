import type { AuditEntry, AuditPage } from '@smart-token/contracts';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/schema.js';
import { DIALECTS } from '../../test/databases.js';
import { ManualClock, nextPhone, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';
import { csvCell } from './audit-admin.service.js';

const START = Date.parse('2026-12-07T04:00:00Z');
const MINUTE = 60_000;

/** What an attacker with the database could do: change an entry past the append-only trigger. */
async function alterEntry(db: Kysely<DB>, dialect: string, seq: number): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table audit_entries disable trigger user`.execute(db);
    await db.updateTable('audit_entries').set({ action: 'nothing to see' }).where('seq', '=', seq).execute();
    await sql`alter table audit_entries enable trigger user`.execute(db);
    return;
  }
  await sql`drop trigger audit_entries_no_update`.execute(db);
  await db.updateTable('audit_entries').set({ action: 'nothing to see' }).where('seq', '=', seq).execute();
}

/** RFC 4180 fields of one CSV line (quoted fields may hold commas and doubled quotes). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else {
      field += c;
    }
  }
  fields.push(field);
  return fields;
}

describe('the audit export', () => {
  it('never let a CSV cell run as a spreadsheet formula', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('GEN-001')).toBe('GEN-001');
    expect(csvCell(12)).toBe('12');
  });
});

describe.each(DIALECTS)('the audit trail for admins on %s', (dialect) => {
  let t: TestApp;
  const clock = new ManualClock(START);
  const phone = nextPhone();
  let first: { id: string; number: string };
  let second: { id: string; number: string };
  let doctorId: string;
  let receptionistId: string;

  const admin = () => t.as('admin');
  const list = async (query: string): Promise<AuditPage> => {
    await t.app.services.audit.settle();
    const res = await t.inject({ method: 'GET', url: `/api/v1/admin/audit?${query}`, headers: await admin() });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<AuditPage>();
  };
  const kinds = (entries: AuditEntry[]) => entries.map((e) => `${e.type} ${e.action}`);

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
    const dept = await t.department({ code: 'GEN', counters: 1 });
    const me = async (role: 'doctor' | 'receptionist') => (await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: await t.as(role) })).json<{ id: string }>().id;
    doctorId = await me('doctor');
    receptionistId = await me('receptionist');
    await admin();

    // A small day: two patients issued, the doctor opens the first one's token, reception searches for
    // it, the doctor calls and completes it.
    clock.advanceMinutes(10);
    const issue = async (patientPhone: string, name: string) => {
      const res = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: { departmentId: dept.id, patient: { name, phone: patientPhone } } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string; number: string }>();
    };
    first = await issue(phone, 'Asha Rao');
    second = await issue(nextPhone(), 'Ravi Kumar');
    clock.advanceMinutes(10);
    expect((await t.inject({ method: 'GET', url: `/api/v1/tokens/${first.id}`, headers: await t.as('doctor') })).statusCode).toBe(200);
    clock.advanceMinutes(10);
    const search = await t.inject({ method: 'POST', url: '/api/v1/tokens/search', headers: await t.as('receptionist'), payload: { query: first.number } });
    expect(search.statusCode, search.body).toBe(200);
    clock.advanceMinutes(10);
    const doctor = await t.as('doctor');
    expect((await t.inject({ method: 'POST', url: `/api/v1/counters/${dept.counters[0]!.id}/call-next`, headers: doctor, payload: {} })).statusCode).toBe(200);
    expect((await t.inject({ method: 'POST', url: `/api/v1/tokens/${first.id}/complete`, headers: doctor, payload: {} })).statusCode).toBe(200);
    clock.advanceMinutes(10);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows who saw a patient’s token, found by its id or by its number', async () => {
    const byId = await list(`token=${first.id}`);
    expect(kinds(byId.entries).reverse()).toEqual(['patient.token.issued issue', 'patient.record.viewed GET /api/v1/tokens/:id', 'patient.search POST /api/v1/tokens/search', 'queue.transition call', 'queue.transition complete']);
    const viewed = byId.entries.find((e) => e.type === 'patient.record.viewed')!;
    expect(viewed.actor).toEqual({ kind: 'user', id: doctorId, label: 'doctor@test.local' });
    expect(viewed.tokens).toEqual([{ id: first.id, number: first.number }]);
    expect(viewed.at).toBe(new Date(START + 20 * MINUTE).toISOString());
    expect(viewed.ip).toBe('127.0.0.1');
    expect(byId.entries.find((e) => e.type === 'patient.search')!.actor.id).toBe(receptionistId);
    expect(byId.nextCursor).toBeNull();

    const byNumber = await list(`token=${first.number.toLowerCase()}`);
    expect(byNumber.entries.map((e) => e.seq)).toEqual(byId.entries.map((e) => e.seq));
    expect(kinds((await list(`token=${second.id}`)).entries)).toEqual(['patient.token.issued issue']);
  });

  it('filters by actor, event type, outcome and time range', async () => {
    const doctors = await list(`actor=${doctorId}&type=patient.record.viewed,queue.transition`);
    expect(kinds(doctors.entries).reverse()).toEqual(['patient.record.viewed GET /api/v1/tokens/:id', 'queue.transition call', 'queue.transition complete']);
    const reads = await list('type=patient.search');
    expect(reads.entries.map((e) => e.actor.id)).toEqual([receptionistId]);
    const window = await list(`from=${new Date(START + 15 * MINUTE).toISOString()}&to=${new Date(START + 25 * MINUTE).toISOString()}`);
    // The doctor's view at 04:20, and nothing of the issue at 04:10 or the search at 04:30 (a sign-in may fall in it too).
    expect(kinds(window.entries)).toContain('patient.record.viewed GET /api/v1/tokens/:id');
    expect(kinds(window.entries).filter((k) => k.startsWith('patient.'))).toEqual(['patient.record.viewed GET /api/v1/tokens/:id']);
    expect(window.entries.every((e) => Date.parse(e.at) >= START + 15 * MINUTE && Date.parse(e.at) < START + 25 * MINUTE)).toBe(true);
    expect((await list(`token=${first.id}&outcome=denied`)).entries).toEqual([]);
  });

  it('pages newest first with the cursor, returning every entry once', async () => {
    const whole = await list('type=patient.token.issued,patient.record.viewed,patient.search,queue.transition,auth.login.succeeded&limit=200');
    expect(whole.entries.length).toBeGreaterThan(6);
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: AuditPage = await list(`type=patient.token.issued,patient.record.viewed,patient.search,queue.transition,auth.login.succeeded&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((e) => e.seq));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(whole.entries.map((e) => e.seq));
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('finds a patient’s trail by phone, and records the search without the phone', async () => {
    const res = await t.inject({ method: 'POST', url: '/api/v1/admin/audit/search', headers: await admin(), payload: { phone, type: 'patient.record.viewed,patient.token.issued' } });
    expect(res.statusCode, res.body).toBe(200);
    const found = res.json<AuditPage>();
    expect(kinds(found.entries).reverse()).toEqual(['patient.token.issued issue', 'patient.record.viewed GET /api/v1/tokens/:id']);
    expect(found.entries.every((e) => e.tokens.some((token) => token.id === first.id))).toBe(true);

    const searches = (await list('type=audit.viewed')).entries.filter((e) => e.action === 'search by phone');
    expect(searches).toHaveLength(1);
    expect(searches[0]!.details).toMatchObject({ byPhone: true, filters: { type: 'patient.record.viewed,patient.token.issued' } });
    expect(searches[0]!.tokens.map((token) => token.id)).toEqual([first.id]);
    const stored = await t.app.database.db.selectFrom('audit_entries').select('details').where('seq', '=', searches[0]!.seq).executeTakeFirstOrThrow();
    expect(stored.details).not.toContain(phone.slice(-6));
    // A listing is recorded too, with its filters.
    const listings = (await list('type=audit.viewed')).entries.filter((e) => e.action === 'list');
    expect(listings.map((e) => e.details?.filters)).toContainEqual({ type: 'audit.viewed' });
  });

  it('is for admins only', async () => {
    for (const role of ['receptionist', 'doctor'] as const) {
      const headers = await t.as(role);
      expect((await t.inject({ method: 'GET', url: '/api/v1/admin/audit', headers })).statusCode).toBe(403);
      expect((await t.inject({ method: 'GET', url: '/api/v1/admin/audit/export?format=csv', headers })).statusCode).toBe(403);
      expect((await t.inject({ method: 'POST', url: '/api/v1/admin/audit/search', headers, payload: { phone } })).statusCode).toBe(403);
    }
    expect((await t.inject({ method: 'GET', url: '/api/v1/admin/audit' })).statusCode).toBe(401);
  });

  it('refuses a bad cursor, a backwards range, an unknown type or field with a 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['cursor=abc', 'querystring.cursor'],
      [`from=${new Date(START + 20 * MINUTE).toISOString()}&to=${new Date(START).toISOString()}`, 'querystring.from'],
      ['from=yesterday', 'querystring.from'],
      ['type=patient.search,nonsense', 'querystring.type'],
      ['limit=500', 'querystring.limit'],
      ['phone=9876543210', 'querystring.phone'],
    ];
    for (const [query, path] of cases) {
      const res = await t.inject({ method: 'GET', url: `/api/v1/admin/audit?${query}`, headers: await admin() });
      expect(res.statusCode, query).toBe(400);
      expect(problemOf(res).errors?.map((e) => e.path), query).toContain(path);
    }
    const badPhone = await t.inject({ method: 'POST', url: '/api/v1/admin/audit/search', headers: await admin(), payload: { phone: '12345' } });
    expect(problemOf(badPhone).errors?.map((e) => e.path)).toEqual(['body.phone']);
    const format = await t.inject({ method: 'GET', url: '/api/v1/admin/audit/export?format=xml', headers: await admin() });
    expect(problemOf(format).errors?.map((e) => e.path)).toEqual(['querystring.format']);
  });

  it('exports the filtered trail as JSON lines and CSV, each headed by the chain’s verification', async () => {
    const listed = await list(`token=${first.id}`);
    const jsonl = await t.inject({ method: 'GET', url: `/api/v1/admin/audit/export?format=jsonl&token=${first.number}`, headers: await admin() });
    expect(jsonl.statusCode, jsonl.body).toBe(200);
    expect(jsonl.headers['content-disposition']).toMatch(/^attachment; filename="audit-.+\.jsonl"$/);
    expect(jsonl.headers['x-audit-verification']).toMatch(/^whole; entries=\d+; checkpoints=\d+$/);
    const lines = jsonl.body.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ verification: { ok: true }, export: { rows: listed.entries.length, truncated: false, filters: { token: first.number } } });
    const exported = lines.slice(1) as unknown as (AuditEntry & { mac: string; prevMac: string })[];
    expect(exported.map((e) => e.seq)).toEqual(listed.entries.map((e) => e.seq).reverse());
    expect(exported.every((e) => /^[0-9a-f]{64}$/.test(e.mac) && /^[0-9a-f]{64}$/.test(e.prevMac))).toBe(true);

    const csv = await t.inject({ method: 'GET', url: `/api/v1/admin/audit/export?format=csv&token=${first.id}`, headers: await admin() });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['x-audit-export-rows']).toBe(String(listed.entries.length));
    const [verification, about, header, ...rows] = csv.body.trimEnd().split('\n');
    expect(verification).toBe(`# verification: ${String(csv.headers['x-audit-verification'])}`);
    expect(verification).toMatch(/^# verification: whole; /);
    expect(about).toMatch(/^# export: \d+ entries up to seq \d+; made .+ by admin@test\.local; filters /);
    const columns = csvFields(header!);
    const records = rows.map((line) => Object.fromEntries(csvFields(line).map((value, i) => [columns[i] ?? '', value])));
    expect(records.map((r) => r.type)).toEqual(exported.map((e) => e.type));
    const viewed = records.find((r) => r.type === 'patient.record.viewed')!;
    expect(viewed).toMatchObject({ actor_id: doctorId, actor_label: 'doctor@test.local', tokens: first.number, outcome: 'success' });

    // Each export is itself recorded, with its filters and what it said of the chain.
    const recorded = (await list('type=audit.exported')).entries;
    expect(recorded.map((e) => e.action)).toEqual(['export csv', 'export jsonl']);
    expect(recorded[0]!.details).toMatchObject({ filters: { token: first.id }, rows: listed.entries.length, truncated: false });
    expect(String(recorded[0]!.details?.verification)).toMatch(/^whole; /);
  });

  it('says the trail is broken, and where, when an entry was changed behind its back', async () => {
    const viewed = (await list(`token=${first.id}&type=patient.record.viewed`)).entries[0]!;
    await alterEntry(t.app.database.db, dialect, viewed.seq);
    const res = await t.inject({ method: 'GET', url: '/api/v1/admin/audit/export?format=jsonl&type=patient.record.viewed', headers: await admin() });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['x-audit-verification']).toBe(`broken; seq=${viewed.seq}; kind=altered; entries=${viewed.seq - 1}`);
    const head = JSON.parse(res.body.split('\n')[0]!) as { verification: { ok: boolean; seq: number; kind: string; message: string } };
    expect(head.verification).toMatchObject({ ok: false, seq: viewed.seq, kind: 'altered' });
    expect(head.verification.message).toContain(`seq ${viewed.seq}`);
    const csv = await t.inject({ method: 'GET', url: '/api/v1/admin/audit/export?format=csv&type=patient.record.viewed', headers: await admin() });
    expect(csv.body.split('\n')[0]).toMatch(new RegExp(`^# verification: broken; seq=${viewed.seq}; kind=altered; entries=\\d+: `));
  });
});
