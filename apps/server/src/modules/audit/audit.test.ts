import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/schema.js';
import { DIALECTS } from '../../test/databases.js';
import { runCli } from '../../test/child-server.js';
import { ManualClock, nextPhone, startTestApp, testEnv, type TestApp } from '../../test/test-app.js';
import { AUDIT_EVENT_TYPES } from './audit.js';
import { readCheckpoints } from './audit-files.js';
import type { EntryRow } from './audit.repository.js';
import { checkpointSigner } from './checkpoints.js';
import { verifyAuditTrail } from './verify.js';

const DAY_MS = 24 * 60 * 60_000;

/** Lets a test do what an attacker with the database file could: change the trail past its triggers. */
async function withoutGuard(db: Kysely<DB>, dialect: string, work: () => Promise<unknown>): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table audit_entries disable trigger user`.execute(db);
    try {
      await work();
    } finally {
      await sql`alter table audit_entries enable trigger user`.execute(db);
    }
    return;
  }
  await sql`drop trigger audit_entries_no_update`.execute(db);
  await sql`drop trigger audit_entries_no_delete`.execute(db);
  try {
    await work();
  } finally {
    const refusal = 'the audit trail is append-only';
    await sql`create trigger audit_entries_no_update before update on audit_entries begin select raise(abort, ${sql.lit(refusal)}); end`.execute(db);
    await sql`create trigger audit_entries_no_delete before delete on audit_entries begin select raise(abort, ${sql.lit(refusal)}); end`.execute(db);
  }
}

describe.each(DIALECTS)('the audit trail on %s', (dialect) => {
  let t: TestApp;
  let dept: Awaited<ReturnType<TestApp['department']>>;
  const db = () => t.app.database.db;
  const trail = async () => {
    await t.app.services.audit.settle();
    return db().selectFrom('audit_entries').selectAll().orderBy('seq').execute();
  };
  const issue = async (name = 'Asha Rao') => {
    const res = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: { departmentId: dept.id, patient: { name, phone: nextPhone() } } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; number: string }>();
  };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    dept = await t.department({ code: 'AUD', counters: 1 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('writes each change’s entry in the change’s transaction, and none for a change refused', async () => {
    const token = await issue();
    const counter = dept.counters[0]!.id;
    const doctor = await t.as('doctor');
    expect((await t.inject({ method: 'POST', url: `/api/v1/counters/${counter}/call-next`, headers: doctor, payload: {} })).statusCode).toBe(200);
    expect((await t.inject({ method: 'POST', url: `/api/v1/tokens/${token.id}/complete`, headers: doctor, payload: {} })).statusCode).toBe(200);
    // Completing it again is refused: nothing changed, so nothing is recorded.
    expect((await t.inject({ method: 'POST', url: `/api/v1/tokens/${token.id}/complete`, headers: doctor, payload: {} })).statusCode).toBe(409);

    const entries = (await trail()).filter((e) => e.subject_id === token.id && e.subject_kind === 'token');
    expect(entries.map((e) => [e.type, e.action, e.outcome])).toEqual([
      ['patient.token.issued', 'issue', 'success'],
      ['queue.transition', 'call', 'success'],
      ['queue.transition', 'complete', 'success'],
    ]);
    const called = entries[1]!;
    expect(called.actor_kind).toBe('user');
    expect(called.ip).toBe('127.0.0.1');
    expect(called.request_id).toBeTruthy();
    expect(JSON.parse(called.details!)).toMatchObject({ from: 'waiting', to: 'called', counterId: counter });
    // The trail keeps token numbers and ids, never the patient's name or phone.
    expect(JSON.stringify(entries)).not.toContain('Asha');
  });

  it('records who read a patient’s data and which tokens the answer showed', async () => {
    const token = await issue('Meera Iyer');
    const doctor = await t.as('doctor');
    expect((await t.inject({ method: 'GET', url: `/api/v1/tokens/${token.id}`, headers: doctor })).statusCode).toBe(200);
    expect((await t.inject({ method: 'POST', url: '/api/v1/tokens/search', headers: await t.as('receptionist'), payload: { query: token.number } })).statusCode).toBe(200);
    expect((await t.inject({ method: 'GET', url: `/api/v1/departments/${dept.id}/queue`, headers: doctor })).statusCode).toBe(200);

    await t.app.services.audit.settle();
    const reads = await db()
      .selectFrom('audit_records')
      .innerJoin('audit_entries', 'audit_entries.seq', 'audit_records.entry_seq')
      .select(['audit_entries.type', 'audit_entries.action', 'audit_entries.actor_label'])
      .where('audit_records.token_id', '=', token.id)
      .where('audit_entries.type', 'like', 'patient.%')
      .orderBy('audit_entries.seq')
      .execute();
    expect(reads).toEqual([
      { type: 'patient.token.issued', action: 'issue', actor_label: 'receptionist@test.local' },
      { type: 'patient.record.viewed', action: 'GET /api/v1/tokens/:id', actor_label: 'doctor@test.local' },
      { type: 'patient.search', action: 'POST /api/v1/tokens/search', actor_label: 'receptionist@test.local' },
      { type: 'patient.list.viewed', action: 'GET /api/v1/departments/:id/queue', actor_label: 'doctor@test.local' },
    ]);
  });

  it('keeps more than 20 kinds of events across authentication, administration, patients, the queue, security and the system', async () => {
    // A refused sign-in and a sign-out, a setting changed, a rate limit hit.
    await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'admin@test.local', password: 'not the password at all' } });
    const signIn = await t.signIn.signIn('receptionist@test.local', 'correct horse battery staple');
    await t.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${signIn.accessToken}` } });
    await t.inject({ method: 'PUT', url: '/api/v1/settings/branding', headers: await t.as('admin'), payload: { clinicName: 'Audit Clinic', logoDataUrl: null } });
    const admin = await t.as('admin');
    await t.inject({ method: 'PATCH', url: `/api/v1/counters/${dept.counters[0]!.id}`, headers: admin, payload: { name: 'Room A' } });
    await t.inject({ method: 'PATCH', url: `/api/v1/departments/${dept.id}`, headers: admin, payload: { name: 'Audited OPD' } });
    const device = await t.inject({ method: 'POST', url: '/api/v1/devices', headers: admin, payload: { name: 'Hall board', role: 'display', departmentIds: [dept.id] } });
    expect(device.statusCode, device.body).toBe(201);
    await t.inject({ method: 'DELETE', url: `/api/v1/devices/${device.json<{ id: string }>().id}`, headers: admin });
    await t.inject({ method: 'GET', url: `/api/v1/counters/${dept.counters[0]!.id}/recent`, headers: await t.as('doctor') });
    const receptionist = (await t.app.services.users.listUsers()).find((u) => u.email === 'receptionist@test.local')!;
    await t.inject({ method: 'POST', url: `/api/v1/users/${receptionist.id}/unlock`, headers: admin, payload: {} });
    const types = new Set((await trail()).map((e) => e.type));
    const groups = new Set([...types].map((type) => type.split('.')[0]));
    expect([...types].every((type) => (AUDIT_EVENT_TYPES as readonly string[]).includes(type))).toBe(true);
    expect(types.size, [...types].join(', ')).toBeGreaterThanOrEqual(20);
    expect(groups).toEqual(new Set(['system', 'admin', 'auth', 'patient', 'queue']));
    for (const type of [
      'system.started', 'admin.department.created', 'admin.department.updated', 'admin.counter.created', 'admin.counter.updated', 'admin.user.created', 'admin.settings.updated',
      'admin.device.created', 'admin.device.revoked', 'auth.login.succeeded', 'auth.login.failed', 'auth.logout', 'auth.account.unlocked', 'patient.token.issued',
      'patient.record.viewed', 'patient.search', 'patient.list.viewed', 'patient.history.viewed', 'queue.transition',
    ]) {
      expect(types, type).toContain(type);
    }
    expect(AUDIT_EVENT_TYPES.length).toBeGreaterThanOrEqual(20);
  });

  it('is append-only in the database: an UPDATE or DELETE of an entry is refused', async () => {
    const [first] = await trail();
    await expect(db().updateTable('audit_entries').set({ action: 'forged' }).where('seq', '=', first!.seq).execute()).rejects.toThrow(/append-only/);
    await expect(db().deleteFrom('audit_entries').where('seq', '=', first!.seq).execute()).rejects.toThrow(/append-only/);
    expect((await db().selectFrom('audit_entries').select('action').where('seq', '=', first!.seq).executeTakeFirstOrThrow()).action).toBe(first!.action);
  });

  describe('verification', () => {
    let original: EntryRow[];
    const key = () => t.config.audit.key;
    /** Puts the trail back as it was before a tampering test. */
    const restore = () =>
      withoutGuard(db(), dialect, async () => {
        await db().deleteFrom('audit_entries').execute();
        for (const row of original) await db().insertInto('audit_entries').values(row).execute();
      });

    beforeAll(async () => {
      for (let i = 0; i < 3; i++) await issue();
      original = await trail();
      expect(original.length).toBeGreaterThan(6);
    });

    it('finds the untouched trail whole', async () => {
      const result = await verifyAuditTrail(db(), key());
      expect(result).toMatchObject({ ok: true, entries: original.length, head: { seq: original.length } });
    });

    it('names an edited entry', async () => {
      await withoutGuard(db(), dialect, () => db().updateTable('audit_entries').set({ ip: '203.0.113.9' }).where('seq', '=', 4).execute());
      expect(await verifyAuditTrail(db(), key())).toMatchObject({ ok: false, entries: 3, problem: { seq: 4, kind: 'altered' } });
      await restore();
    });

    it('names a removed entry, also when the later ones were renumbered to hide the gap', async () => {
      await withoutGuard(db(), dialect, () => db().deleteFrom('audit_entries').where('seq', '=', 5).execute());
      expect(await verifyAuditTrail(db(), key())).toMatchObject({ ok: false, problem: { seq: 5, kind: 'missing' } });
      await withoutGuard(db(), dialect, async () => {
        for (let seq = 6; seq <= original.length; seq++) await db().updateTable('audit_entries').set({ seq: seq - 1 }).where('seq', '=', seq).execute();
      });
      const renumbered = await verifyAuditTrail(db(), key());
      expect(renumbered).toMatchObject({ ok: false, problem: { seq: 5, kind: 'missing' } });
      if (!renumbered.ok) expect(renumbered.problem.message).toContain('removed');
      await restore();
    });

    it('names two entries swapped in order', async () => {
      await withoutGuard(db(), dialect, async () => {
        await db().updateTable('audit_entries').set({ seq: -1 }).where('seq', '=', 3).execute();
        await db().updateTable('audit_entries').set({ seq: 3 }).where('seq', '=', 4).execute();
        await db().updateTable('audit_entries').set({ seq: 4 }).where('seq', '=', -1).execute();
      });
      const result = await verifyAuditTrail(db(), key());
      expect(result).toMatchObject({ ok: false, entries: 2, problem: { seq: 3, kind: 'reordered' } });
      await restore();
    });

    it('catches entries cut off the end with a signed checkpoint, and a forged checkpoint', async () => {
      const last = original.at(-1)!;
      const checkpoint = checkpointSigner(key()).sign({ seq: Number(last.seq), mac: last.mac }, new Date());
      expect(await verifyAuditTrail(db(), key(), { checkpoints: [checkpoint] })).toMatchObject({ ok: true, checkpoints: 1 });
      await withoutGuard(db(), dialect, () => db().deleteFrom('audit_entries').where('seq', '>=', Number(last.seq) - 1).execute());
      // Without the checkpoint, a shortened trail still links up; the checkpoint shows what is gone.
      expect(await verifyAuditTrail(db(), key())).toMatchObject({ ok: true });
      expect(await verifyAuditTrail(db(), key(), { checkpoints: [checkpoint] })).toMatchObject({ ok: false, problem: { seq: Number(last.seq) - 1, kind: 'missing' } });
      await restore();
      const forged = { ...checkpoint, seq: checkpoint.seq + 5 };
      expect(await verifyAuditTrail(db(), key(), { checkpoints: [forged] })).toMatchObject({ ok: false, problem: { kind: 'checkpoint' } });
    });

    it('refuses a trail checked with another key', async () => {
      expect(await verifyAuditTrail(db(), Buffer.alloc(32, 1))).toMatchObject({ ok: false, problem: { seq: 1, kind: 'altered' } });
    });

    it('npm run cli -- audit verify exits 0 on the whole trail and 2 naming the first broken entry', async () => {
      const env = testEnv(t.db);
      const whole = await runCli(['audit', 'verify'], env);
      expect(whole.code, whole.stderr).toBe(0);
      expect(whole.stdout).toMatch(/The audit trail is whole: \d+ entries/);
      await withoutGuard(db(), dialect, () => db().updateTable('audit_entries').set({ type: 'auth.logout' }).where('seq', '=', 2).execute());
      const broken = await runCli(['audit', 'verify'], env);
      expect(broken.code).toBe(2);
      expect(broken.stdout).toContain('altered at seq 2');
      await restore();
    });
  });
});

describe.each(DIALECTS)('the audit trail’s files on %s', (dialect) => {
  let t: TestApp;
  const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'));
  const folder = () => join(t.config.dataDir, 'audit');
  const files = () => readdirSync(folder()).sort();

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('copies the trail to a JSON-lines file a day with signed checkpoints, gzips a day once it is over, and deletes files past the retention', async () => {
    await t.department({ code: 'FIL' });
    await t.app.services.audit.settle();
    expect(files()).toContain('audit-2026-03-01.jsonl');
    const lines = readFileSync(join(folder(), 'audit-2026-03-01.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; mac: string; type: string });
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.map((l) => l.type)).toContain('admin.department.created');

    clock.advance(DAY_MS);
    await t.department({ code: 'FIM' });
    clock.advance(2 * 60 * 60_000);
    await t.app.services.audit.settle();
    expect(files()).toEqual(expect.arrayContaining(['audit-2026-03-01.jsonl.gz', 'audit-2026-03-02.jsonl']));
    const yesterday = gunzipSync(readFileSync(join(folder(), 'audit-2026-03-01.jsonl.gz'))).toString('utf8').trim().split('\n');
    expect(yesterday).toHaveLength(lines.length);
    const checkpoints = readCheckpoints([folder()]);
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(await verifyAuditTrail(t.app.database.db, t.config.audit.key, { checkpoints })).toMatchObject({ ok: true, checkpoints: checkpoints.length });

    // Six years later (the default retention), the first days' files are gone.
    clock.advance(t.config.audit.retentionDays * DAY_MS);
    await t.department({ code: 'FIN' });
    clock.advance(2 * 60 * 60_000);
    await t.app.services.audit.settle();
    expect(existsSync(join(folder(), 'audit-2026-03-01.jsonl.gz'))).toBe(false);
    expect(files().some((name) => name.startsWith('audit-2032-'))).toBe(true);
  });

  it('follows a restore: checkpoints of the discarded entries are set aside by the restore’s own entry, and the files go on from the restored chain', async () => {
    const db = t.app.database.db;
    await t.department({ code: 'RSA' });
    await t.app.services.audit.stop();
    const head = Number((await db.selectFrom('audit_entries').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirstOrThrow()).seq);
    // What a restore of an older backup leaves: the chain as it was at its seq `kept`, then the restore's entry.
    const kept = head - 3;
    await withoutGuard(db, dialect, () => db.deleteFrom('audit_entries').where('seq', '>', kept).execute());
    await db.deleteFrom('audit_records').where('entry_seq', '>', kept).execute();
    t.app.services.audit.note({ type: 'system.restore', action: 'restore', actor: { kind: 'system' }, subject: { kind: 'backup', label: 'older.backup' }, details: { auditEntries: kept } });
    clock.advance(60_000);
    t.app.services.audit.start();
    await t.department({ code: 'RSB' });
    await t.app.services.audit.settle();

    const checkpoints = readCheckpoints([folder()]);
    const result = await verifyAuditTrail(db, t.config.audit.key, { checkpoints });
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.superseded).toBeGreaterThan(0);
    const today = readFileSync(join(folder(), files().filter((f) => f.endsWith('.jsonl') && f.startsWith('audit-')).at(-1)!), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq?: number; restored?: { chainKeptUpTo: number } });
    const marker = today.findIndex((l) => l.restored);
    expect(today[marker]!.restored!.chainKeptUpTo).toBe(kept);
    expect(today.slice(marker + 1).map((l) => l.seq)).toEqual(today.slice(marker + 1).map((_, i) => kept + 1 + i));
  });
});
