import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { createDatabase } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { systemClock } from '../../lib/clock.js';
import { freshDatabase } from '../../test/databases.js';
import { testEnv } from '../../test/test-app.js';
import type { AuditEntryInput } from './audit.js';
import { createAuditTrail } from './audit.service.js';
import { verifyAuditTrail } from './verify.js';

const event = (action: string): AuditEntryInput => ({ type: 'queue.transition', actor: { kind: 'system' }, subject: { kind: 'token', id: `token-${action}` }, action });

/** SQLite chains each change's entry in the change's own transaction (PostgreSQL goes through audit_pending, tested with the app). */
describe('the audit chain on SQLite', () => {
  async function withTrail(work: (things: { database: ReturnType<typeof createDatabase>; audit: ReturnType<typeof createAuditTrail>; key: Uint8Array }) => Promise<void>) {
    const test = await freshDatabase('sqlite');
    const database = createDatabase(loadConfig(testEnv(test)).database);
    const key = randomBytes(32);
    const audit = createAuditTrail({ database, clock: systemClock, key, onError: (error) => { throw error; } });
    try {
      await migrateToLatest(database.db);
      await work({ database, audit, key });
    } finally {
      await audit.stop();
      await database.close();
      await test.drop();
    }
  }
  const chained = (database: ReturnType<typeof createDatabase>) =>
    database.db.selectFrom('audit_entries').select(['seq', 'action']).orderBy('seq').execute().then((rows) => rows.map((r) => `${r.seq} ${r.action}`));

  it('holds a change’s entry in the chain the moment the change commits, with nothing left pending', async () => {
    await withTrail(async ({ database, audit, key }) => {
      await database.transact((trx) => audit.record(trx, event('call')));
      expect(await chained(database)).toEqual(['1 call']);
      expect(await database.db.selectFrom('audit_pending').selectAll().execute()).toEqual([]);
      expect(await verifyAuditTrail(database.db, key)).toMatchObject({ ok: true, entries: 1 });
    });
  });

  it('keeps the chain whole when one change of a group commit rolls back after recording its entry', async () => {
    await withTrail(async ({ database, audit, key }) => {
      // Queued in one tick, the three run in one transaction, each in its own savepoint.
      const results = await Promise.allSettled([
        database.transact((trx) => audit.record(trx, event('first'))),
        database.transact(async (trx) => {
          await audit.record(trx, event('refused'));
          throw new Error('the change failed after its entry was written');
        }),
        database.transact((trx) => audit.record(trx, event('third'))),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await chained(database)).toEqual(['1 first', '2 third']);
      expect(await verifyAuditTrail(database.db, key)).toMatchObject({ ok: true, entries: 2 });
    });
  });

  it('chains a noted read in the order it happened among the changes around it', async () => {
    await withTrail(async ({ database, audit, key }) => {
      const before = database.transact((trx) => audit.record(trx, event('before')));
      audit.note(event('read'));
      const after = database.transact((trx) => audit.record(trx, event('after')));
      await Promise.all([before, after]);
      await audit.settle();
      expect(await chained(database)).toEqual(['1 before', '2 read', '3 after']);
      expect(await verifyAuditTrail(database.db, key)).toMatchObject({ ok: true, entries: 3 });
    });
  });
});
