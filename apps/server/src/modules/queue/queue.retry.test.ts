import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { ManualClock, nextPhone } from '../../test/test-app.js';
import * as departmentsRepo from '../departments/departments.repository.js';
import type { PendingEvent } from '../live/live-events.js';
import { createAuditTrail, type AuditTrailService } from '../audit/audit.service.js';
import { openKeyring, type Keyring } from '../keys/keyring.js';
import { createQueueService, type QueueService } from './queue.service.js';

const STAFF = { id: null, label: 'Dr Test' };

describe.runIf(DIALECTS.includes('postgres'))('a PostgreSQL transaction retried after a serialization failure', () => {
  let db: TestDatabase;
  let database: Database;
  let queue: QueueService;
  let keyring: Keyring | undefined;
  let audit: AuditTrailService;
  const published: PendingEvent[][] = [];

  beforeAll(async () => {
    db = await freshDatabase('postgres');
    database = createDatabase({ kind: 'postgres', url: db.url });
    await migrateToLatest(database.db);
    // Patients' names and phones are written encrypted: the database needs its keyring open.
    keyring = await openKeyring({ database, masterKey: Buffer.alloc(32, 9), secretsFile: '', production: true });
    // The first service record ever written fails as a serialization failure would (40001), after the
    // completion's event was already written in that attempt; the retry then succeeds.
    await sql`create sequence fail_once`.execute(database.db);
    await sql
      .raw(
        `create function fail_first_service() returns trigger language plpgsql as $$
         begin
           if nextval('fail_once') = 1 then raise exception 'injected conflict' using errcode = '40001'; end if;
           return new;
         end $$`,
      )
      .execute(database.db);
    await sql`create trigger fail_first_service before insert on services for each row execute function fail_first_service()`.execute(database.db);
    const clock = new ManualClock();
    audit = createAuditTrail({ database, clock, key: Buffer.alloc(32, 7), onError: (error) => { throw error; } });
    queue = createQueueService({
      database,
      clock,
      audit,
      timeZone: 'Asia/Kolkata',
      publicUrl: 'http://clinic.test',
      defaultPhoneRegion: 'IN',
      lookup: {
        department: (id) => departmentsRepo.findDepartment(database.db, id),
        counter: (id) => departmentsRepo.findCounter(database.db, id),
        counters: (departmentId) => departmentsRepo.listCounters(database.db, departmentId),
      },
      publish: (events) => published.push(events),
    });
  });
  afterAll(async () => {
    keyring?.close();
    await database?.close();
    await db?.drop();
  });

  it('publishes only the committed attempt’s events: one per change, each seq once', async () => {
    const dept = { id: 'dept-retry', code: 'RTY', name: 'Retry', self_check_in: 'off' as const, max_wait_minutes: 45, max_recalls: 3, park_return_after: 3, created_at: 0 };
    await departmentsRepo.insertDepartment(database.db, dept);
    await departmentsRepo.insertCounter(database.db, { id: 'counter-retry', department_id: dept.id, name: 'Room 1', created_at: 0 });
    const token = await queue.issue(STAFF, { departmentId: dept.id, patient: { name: 'Asha', phone: nextPhone() } });
    await queue.callNext(STAFF, 'counter-retry');

    const completed = await queue.complete(STAFF, token.id);

    expect(completed.status).toBe('completed');
    const events = published.flat();
    expect(events.map((e) => e.type)).toEqual(['token.issued', 'token.called', 'token.completed']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    // The retry really happened: the sequence was drawn by the failed attempt and by the one that committed.
    const { rows } = await sql<{ last_value: string }>`select last_value from fail_once`.execute(database.db);
    expect(Number(rows[0]!.last_value)).toBe(2);
    // The audit trail keeps one entry per change: the rolled-back attempt's entry went with it.
    await audit.settle();
    const trail = await database.db.selectFrom('audit_entries').select(['type', 'action']).where('subject_id', '=', token.id).orderBy('seq').execute();
    expect(trail).toEqual([
      { type: 'patient.token.issued', action: 'issue' },
      { type: 'queue.transition', action: 'call' },
      { type: 'queue.transition', action: 'complete' },
    ]);
  });
});
