import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import type { DB } from '../../db/schema.js';
import { DIALECTS } from '../../test/databases.js';
import { startTestApp, type TestApp } from '../../test/test-app.js';
import * as repo from './notifications.repository.js';

describe.each(DIALECTS)('the outbox claims on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t?.close());

  it('records a sent message for the worker holding it, and ignores the worker whose claim was taken over', async () => {
    const db = t.app.database.db;
    // Due a day from now: the app's own worker, on the real clock, leaves it alone.
    const due = Date.now() + 24 * 60 * 60_000;
    const id = `claims-${dialect}`;
    expect(await repo.insertMessage(db, { id, dedupe_key: id, token_id: null, department_id: null, trigger: 'test', channel: 'sms', language: 'en', vars: '{}', to_phone: '+919800000001', at: due })).toBe(true);

    expect((await repo.claimDue(db, 'worker-a', due, due + 1000, 10)).map((m) => m.id)).toEqual([id]);
    // Worker A stalls past its claim; worker B takes the message over.
    expect((await repo.claimDue(db, 'worker-b', due + 2000, due + 60_000, 10)).map((m) => m.id)).toEqual([id]);
    const sent = { state: 'sent', at: due + 3000, error: null, providerId: 'SM1', deliveredVia: 'sms', body: 'Your token GEN-001', sent: true };
    expect(await repo.settle(db, id, 'worker-a', sent)).toBe(false);
    expect(await repo.findMessage(db, id)).toMatchObject({ state: 'sending', claimed_by: 'worker-b', provider_id: null });

    expect(await repo.settle(db, id, 'worker-b', { ...sent, providerId: 'SM2' })).toBe(true);
    const row = await repo.findMessage(db, id);
    expect(row).toMatchObject({ state: 'sent', claimed_by: null, claimed_until: null, provider_id: 'SM2', delivered_via: 'sms', message_body: 'Your token GEN-001', error: null });
    expect(Number(row?.sent_at)).toBe(due + 3000);
    // Settled once: a second settle of the same claim changes nothing.
    expect(await repo.settle(db, id, 'worker-b', sent)).toBe(false);
  });
});

describe('a claim on SQLite', () => {
  const root = mkdtempSync(join(tmpdir(), 'smart-token-claim-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  /** A migrated database file, opened raw (for EXPLAIN) and through Kysely (logging what it runs). */
  async function migratedFile(name: string, statements: CompiledQuery[] = []) {
    const path = join(root, name);
    const database = createDatabase({ kind: 'sqlite', path });
    await migrateToLatest(database.db);
    await database.close();
    const raw = new SQLite(path);
    return { raw, db: new Kysely<DB>({ dialect: new SqliteDialect({ database: raw }), log: (event) => void statements.push(event.query) }) };
  }

  it('reads the messages it takes through the index, in order, not the whole backlog sorted; the watch reads consents by key', async () => {
    const statements: CompiledQuery[] = [];
    const { raw, db } = await migratedFile('claims.db', statements);
    const at = 1_000_000;
    // A backlog of 300 due messages, m299 the oldest; m297 due at the same moment as m298 but written
    // before it; and m299 held by a worker whose claim ran out.
    for (let i = 0; i < 300; i++) await repo.insertMessage(db, { id: `m${i}`, dedupe_key: `m${i}`, token_id: null, department_id: null, trigger: 'test', channel: 'sms', language: 'en', vars: '{}', at: at + 300 - i });
    await db.updateTable('notification_messages').set({ next_attempt_at: at + 2, created_at: at - 5 }).where('id', '=', 'm297').execute();
    expect((await repo.claimDue(db, 'gone', at + 1000, at + 1001, 1)).map((m) => m.id)).toEqual(['m299']);
    statements.length = 0;

    const claim = async (limit: number) => (await db.transaction().execute((trx) => repo.claimDue(trx, 'worker', at + 2000, at + 60_000, limit))).map((m) => m.id).sort();
    expect(await claim(2)).toEqual(['m297', 'm299']);
    expect(await claim(3)).toEqual(['m295', 'm296', 'm298']);
    expect(await repo.findMessage(db, 'm299')).toMatchObject({ state: 'sending', claimed_by: 'worker', attempts: 2 });
    // A whole batch: the planner's choice changes with the number of keys in the list.
    expect(await claim(20)).toEqual(Array.from({ length: 20 }, (_, i) => `m${275 + i}`).sort());
    // The turn-approaching watch asks about the head of a line, eight tokens say.
    await repo.approachDueAmong(db, Array.from({ length: 8 }, (_, i) => `token-${i}`));

    const plans = statements.filter((q) => !/^(begin|commit)/i.test(q.sql)).flatMap((q) => raw.prepare(`explain query plan ${q.sql}`).all(...q.parameters) as { detail: string }[]);
    expect(plans.length).toBeGreaterThan(0);
    for (const { detail } of plans) expect(detail).not.toMatch(/^SCAN notification_|MULTI-INDEX OR|TEMP B-TREE|approach_due/);
    raw.close();
  });

  it('keeps only messages a provider took in the provider index, which delivery receipts still read', async () => {
    const statements: CompiledQuery[] = [];
    const { raw, db } = await migratedFile('receipts.db', statements);
    for (let i = 0; i < 3; i++) await repo.insertMessage(db, { id: `m${i}`, dedupe_key: `m${i}`, token_id: null, department_id: null, trigger: 'test', channel: 'sms', language: 'en', vars: '{}', at: 1000 + i });
    await db.updateTable('notification_messages').set({ state: 'sent', provider_id: 'SM1' }).where('id', '=', 'm1').execute();
    const { sql: definition } = raw.prepare(`select sql from sqlite_master where name = 'notification_messages_provider'`).get() as { sql: string };
    expect(definition).toMatch(/where "provider_id" is not null/i);
    statements.length = 0;
    expect((await repo.recordReceipt(db, 'SM1', 'delivered', null, 2000, ['sent']))?.id).toBe('m1');
    // The plan of the receipt's own statement, as the repository wrote it.
    const [receipt] = statements;
    const plan = raw.prepare(`explain query plan ${receipt!.sql}`).all(...receipt!.parameters) as { detail: string }[];
    expect(plan.map((p) => p.detail).join('; ')).toMatch(/USING INDEX notification_messages_provider/);
    raw.close();
  });
});
