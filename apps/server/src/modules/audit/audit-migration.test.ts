import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { createDatabase } from '../../db/database.js';
import { migrateTo, migrateToLatest } from '../../db/migrate.js';
import { systemClock } from '../../lib/clock.js';
import { DIALECTS, freshDatabase } from '../../test/databases.js';
import { testEnv } from '../../test/test-app.js';
import { createAuditTrail } from './audit.service.js';
import { verifyAuditTrail } from './verify.js';

describe.each(DIALECTS)('the leaner audit tables (migration 0801) on %s', (dialect) => {
  it('keep every entry and record chained before, the chain verifies across it, and the trail stays append-only', async () => {
    const test = await freshDatabase(dialect);
    const database = createDatabase(loadConfig(testEnv(test)).database);
    const key = randomBytes(32);
    const audit = createAuditTrail({ database, clock: systemClock, key, onError: (error) => { throw error; } });
    const note = (i: number) => audit.note({ type: 'patient.record.viewed', actor: { kind: 'user', id: 'u1', label: 'a@b.test' }, action: `GET /tokens/${i}`, details: { records: [`t${i}`, 'shared'] } });
    const snapshot = async () => ({
      entries: (await database.db.selectFrom('audit_entries').selectAll().orderBy('seq').execute()).map((e) => ({ ...e, seq: Number(e.seq), at: Number(e.at), chained_at: Number(e.chained_at) })),
      records: (await database.db.selectFrom('audit_records').selectAll().orderBy('entry_seq').orderBy('token_id').execute()).map((r) => ({ ...r, entry_seq: Number(r.entry_seq) })),
    });
    try {
      await migrateTo(database.db, '2026_12_06_0702_push_subscriptions');
      for (let i = 1; i <= 3; i++) note(i);
      await audit.settle();
      const before = await snapshot();
      expect(before.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(before.records).toHaveLength(6);

      await migrateToLatest(database.db);
      expect(await snapshot()).toEqual(before);
      // What each entry costs to write: the table and four indexes (on SQLite, seq is the rowid itself).
      const indexes = dialect === 'sqlite'
        ? await sql<{ name: string }>`select name from pragma_index_list('audit_entries')`.execute(database.db)
        : await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'audit_entries'`.execute(database.db);
      expect(indexes.rows.map((r) => r.name).sort()).toEqual([...(dialect === 'postgres' ? ['audit_entries_pkey'] : []), 'audit_entries_actor', 'audit_entries_at', 'audit_entries_subject', 'audit_entries_type'].sort());
      for (let i = 4; i <= 5; i++) note(i);
      await audit.settle();
      expect(await verifyAuditTrail(database.db, key)).toMatchObject({ ok: true, entries: 5 });
      expect((await snapshot()).records).toHaveLength(10);

      await expect(database.db.updateTable('audit_entries').set({ outcome: 'failure' }).where('seq', '=', 2).execute()).rejects.toThrow(/append-only/);
      await expect(database.db.deleteFrom('audit_entries').where('seq', '=', 5).execute()).rejects.toThrow(/append-only/);
      expect(await verifyAuditTrail(database.db, key)).toMatchObject({ ok: true, entries: 5 });
    } finally {
      await audit.stop();
      await database.close();
      await test.drop();
    }
  });
});
