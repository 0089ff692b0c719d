import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import { createDatabase } from '../../db/database.js';
import { migrateTo } from '../../db/migrate.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { startTestApp, testEnv, type TestApp } from '../../test/test-app.js';

const NAME = 'Zebulon Quartermain';
const PHONE = '+91 97531 86420';
/** Every form the patient's name and phone could take in a file: none may be found in the database's bytes. */
const PLAINTEXT = ['Zebulon', 'Quartermain', 'zebulon', 'quartermain', '+919753186420', '919753186420', '9753186420', '97531 86420', '"phoneLast4":"6420"'];

function plaintextIn(bytes: Buffer): string[] {
  return PLAINTEXT.filter((text) => bytes.includes(Buffer.from(text, 'utf8')));
}

/** Every file under a folder (the data folder: database, WAL, audit files, backups, secrets). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function plaintextInFiles(paths: string[]): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const hits = plaintextIn(readFileSync(path));
    if (hits.length > 0) found[path] = hits;
  }
  return found;
}

function pgDump(url: string): Buffer {
  return execFileSync('pg_dump', ['--no-owner', url], { maxBuffer: 256 * 1024 * 1024 });
}

describe.each(DIALECTS)('patients’ identifiers at rest on %s', (dialect) => {
  let t: TestApp | undefined;
  let legacy: TestDatabase | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await legacy?.drop();
    legacy = undefined;
  });

  it('after a normal day the database holds no patient’s name or phone, and everything still works through the API', async () => {
    t = await startTestApp(dialect);
    const app = t;
    const dept = await app.department({ code: 'ATR', counters: 1, selfCheckIn: 'kiosk' });
    const reception = await app.as('receptionist');
    const issue = (name: string, phone: string, key?: string) =>
      app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { ...reception, ...(key && { 'idempotency-key': key }) }, payload: { departmentId: dept.id, patient: { name, phone } } });

    const first = await issue(NAME, PHONE, 'desk-retry-1');
    expect(first.statusCode, first.body).toBe(201);
    const token = first.json<{ id: string; number: string; statusKey: string; patient: { name: string; phoneLast4: string } }>();
    expect(token.patient).toEqual({ name: NAME, phoneLast4: '6420' });
    // A retry over flaky Wi-Fi gets the first answer again, read back from the stored (encrypted) answer.
    const retry = await issue(NAME, PHONE, 'desk-retry-1');
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toEqual(first.json());
    for (const other of ['Asha Rao', 'Ravi Kumar']) expect((await issue(other, `+91 98111 2${other.length}233`)).statusCode).toBe(201);
    const kiosk = { ...(await app.as('kiosk')), 'idempotency-key': 'kiosk-retry-1' };
    const checkIn = () => app.inject({ method: 'POST', url: '/api/v1/public/check-in', headers: kiosk, payload: { departmentId: dept.id, name: NAME, phone: PHONE } });
    const checkedIn = await checkIn();
    expect(checkedIn.statusCode, checkedIn.body).toBe(201);
    expect((await checkIn()).json()).toEqual(checkedIn.json());

    // Reception finds the patient by name, whole phone and last four digits.
    const search = async (query: string) => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/tokens/search', headers: reception, payload: { query } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ tokens: { id: string; patient: { name: string } }[] }>().tokens;
    };
    for (const query of ['quartermain', 'ZEBULON Q', '97531 86420', PHONE, '6420']) {
      const found = await search(query);
      expect(found.map((x) => x.id), query).toContain(token.id);
      expect(found.every((x) => x.patient.name === NAME), query).toBe(true);
    }
    const patients = await app.inject({ method: 'POST', url: '/api/v1/patients/search', headers: reception, payload: { phone: '97531 86420' } });
    expect(patients.json<{ matches: { name: string; phoneLast4: string }[]; active: { id: string }[] }>()).toMatchObject({
      matches: [{ name: NAME, phoneLast4: '6420' }],
      active: expect.arrayContaining([expect.objectContaining({ id: token.id })]) as unknown,
    });

    // The patient's own status page, by link and by number + last four digits.
    expect((await app.inject({ method: 'GET', url: `/api/v1/public/status/${token.statusKey}` })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/v1/public/status', payload: { token: token.number, phoneLast4: '6420' } })).statusCode).toBe(200);

    // The counter calls and completes the visit; the queue and the token show the name.
    const doctor = await app.as('doctor');
    const called = await app.inject({ method: 'POST', url: `/api/v1/counters/${dept.counters[0]!.id}/call-next`, headers: { ...doctor, 'idempotency-key': 'counter-retry-1' } });
    expect(called.json<{ token: { id: string; patient: { name: string } } }>().token).toMatchObject({ id: token.id, patient: { name: NAME } });
    expect((await app.inject({ method: 'POST', url: `/api/v1/tokens/${token.id}/complete`, headers: doctor })).statusCode).toBe(200);
    const queue = await app.inject({ method: 'GET', url: `/api/v1/departments/${dept.id}/queue`, headers: doctor });
    expect(queue.json<{ waiting: { patient: { name: string } }[] }>().waiting.map((w) => w.patient.name)).toEqual(['Asha Rao', 'Ravi Kumar', NAME]);
    const shown = await app.inject({ method: 'GET', url: `/api/v1/tokens/${token.id}`, headers: reception });
    expect(shown.json()).toMatchObject({ status: 'completed', patient: { name: NAME, phoneLast4: '6420' } });
    // A screen that reconnects is sent what it missed from the outbox: decrypted, whole.
    const missed = await app.app.services.live.eventsSince(dept.id, 0, 100);
    expect(missed?.filter((e) => e.token.id === token.id).map((e) => [e.type, e.token.patient.name])).toEqual([
      ['token.issued', NAME],
      ['token.called', NAME],
      ['token.completed', NAME],
    ]);

    const files = filesUnder(app.db.dataDir);
    if (dialect === 'sqlite') {
      const dbFile = join(app.db.dataDir, 'test.db');
      // While the server runs the newest pages are in the WAL; after it closes they are checkpointed into the file.
      expect(existsSync(`${dbFile}-wal`)).toBe(true);
      expect(plaintextInFiles([dbFile, `${dbFile}-wal`])).toEqual({});
      await app.app.close();
      expect(plaintextInFiles([dbFile, `${dbFile}-wal`])).toEqual({});
    } else {
      expect(plaintextIn(pgDump(app.db.url))).toEqual([]);
      await app.app.close();
    }
    // Nor anywhere else in the data folder (audit files, secrets, backups).
    expect(plaintextInFiles([...files, ...filesUnder(app.db.dataDir)])).toEqual({});
  });

  it('encrypts at start what a database from before encryption held in plaintext, and finds those patients by phone', async () => {
    legacy = await freshDatabase(dialect);
    const config = loadConfig(testEnv(legacy));
    const old = createDatabase(config.database);
    const at = Date.now();
    try {
      // The schema before encryption, with a day's rows written the old way.
      const db = old.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
      await migrateTo(db, '2026_12_04_0505_recovery_codes_argon2');
      await db.insertInto('departments').values({ id: 'dep', code: 'OLD', name: 'Old', self_check_in: 'off', max_wait_minutes: 45, max_recalls: 3, park_return_after: 3, created_at: at }).execute();
      for (let i = 1; i <= 30; i++) {
        const id = `tok-${String(i).padStart(2, '0')}`;
        const [name, phone] = i === 7 ? [NAME, '+919753186420'] : [`Patient ${i}`, `+9198111${String(i).padStart(5, '0')}`];
        await db
          .insertInto('tokens')
          .values({
            id, number: `OLD-${String(i).padStart(3, '0')}`, issue_day: '2026-12-05', issued_department_id: 'dep', seq: i, status: 'waiting', department_id: 'dep',
            priority: 'normal', lane: 1, queued_at: at + i, park_remaining: null, counter_id: null, recall_count: 0, patient_name: name, phone_e164: phone,
            phone_last4: phone.slice(-4), language: null, notify_channel: null, status_key_hash: `hash-${i}`, issued_at: at + i, called_at: null, started_at: null,
            completed_at: null, updated_at: at + i, version: 1,
          })
          .execute();
        const payload = JSON.stringify({ token: { id, patient: { name, phoneLast4: phone.slice(-4) } } });
        await db.insertInto('live_events').values({ department_id: 'dep', seq: i, type: 'token.issued', token_id: id, payload, at: at + i }).execute();
      }
      await db.insertInto('department_event_seqs').values({ department_id: 'dep', last_seq: 30 }).execute();
      await db.insertInto('idempotency_keys').values({ scope: 's', key: 'k', request_hash: 'h', status_code: 200, body: `{"patient":{"name":"${NAME}"}}`, created_at: at }).execute();
    } finally {
      await old.close();
    }

    const app = await buildApp(config, { logger: false });
    try {
      const rows = await app.database.db.selectFrom('tokens').select(['id', 'patient_name', 'phone_e164', 'phone_index']).where('id', '=', 'tok-07').executeTakeFirstOrThrow();
      expect(rows).toMatchObject({ patient_name: NAME, phone_e164: '+919753186420' });
      expect(rows.phone_index).toHaveLength(22);
      const stored = await app.database.db.selectFrom('tokens').select(['patient_name as name', 'phone_e164 as phone', 'phone_last4 as last4']).execute();
      expect(stored.flatMap((r) => [r.name, r.phone, r.last4]).filter((v) => !v.startsWith('enc1.'))).toEqual([]);
      const events = await app.database.db.selectFrom('live_events').select(['payload as stored']).execute();
      expect(events.filter((e) => !e.stored.startsWith('enc1.'))).toEqual([]);
      const answers = await app.database.db.selectFrom('idempotency_keys').select(['body as stored']).execute();
      expect(answers.filter((e) => !e.stored.startsWith('enc1.'))).toEqual([]);
      expect(await app.services.live.eventsSince('dep', 6, 7)).toMatchObject([{ token: { id: 'tok-07', patient: { name: NAME } } }]);
      const matches = await app.services.patients.searchByPhone('97531 86420');
      expect(matches.matches).toMatchObject([{ name: NAME, phoneLast4: '6420' }]);
      if (dialect === 'postgres') expect(plaintextIn(pgDump(legacy.url))).toEqual([]);
    } finally {
      await app.close();
    }
    if (dialect === 'sqlite') {
      // The old plaintext must not linger in the file's freed space or in the WAL either.
      const dbFile = join(legacy.dataDir, 'test.db');
      expect(plaintextInFiles([dbFile, `${dbFile}-wal`])).toEqual({});
    }
  });
});
