/**
 * 9. What patients' messages cost call-next: the same prefilled line, every patient in it having
 * asked for SMS (each call writes the called patient's message and, as the head moves, "your turn is
 * near" for the next ones, all delivered by the server's worker to its outbox log), against the line
 * with nobody asking, each twice per round in mirrored order (with, without, without, with). The
 * sending is off the request path; this shows whether it stays off.
 */
import SQLite from 'better-sqlite3';
import { createDatabase } from '../../apps/server/dist/db/database.js';
import { migrateToLatest } from '../../apps/server/dist/db/migrate.js';
import type { Context } from './harness.js';
import { dbFileIn } from './processes.js';
import { callsTogether, mirrored } from './mirrored.js';
import { callNext, type CallNextResult } from './scenarios.js';

export interface NotificationCostResult {
  with: CallNextResult;
  without: CallNextResult;
  /** Messages the "with" server wrote to its outbox while it was measured, and how many it had delivered. */
  messages: { written: number; delivered: number };
}

/** Every waiting patient of the prefilled line asks for SMS: consent recorded, "your turn is near" owed. */
async function everyoneAsksForMessages(dir: string): Promise<void> {
  const database = createDatabase({ kind: 'sqlite', path: dbFileIn(dir) });
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
  const db = new SQLite(dbFileIn(dir));
  try {
    db.exec(`
      update tokens set notify_channel = 'sms' where status = 'waiting';
      insert into notification_consents (token_id, channel, consented_at, language, status_url, approach_due)
        select id, 'sms', issued_at, 'en', 'http://bench.test/s/bench', 1 from tokens where status = 'waiting';
    `);
  } finally {
    db.close();
  }
}

function messagesIn(dir: string): { written: number; delivered: number } {
  const db = new SQLite(dbFileIn(dir), { readonly: true });
  try {
    const row = db.prepare(`select count(*) as written, sum(case when state = 'sent' then 1 else 0 end) as delivered from notification_messages`).get() as { written: number; delivered: number | null };
    return { written: row.written, delivered: row.delivered ?? 0 };
  } finally {
    db.close();
  }
}

export async function notificationCost(ctx: Context): Promise<NotificationCostResult> {
  const dirsWith: string[] = [];
  const { with: withMessages, without } = await mirrored(
    (asked, pass) =>
      callNext(ctx, {
        name: `9 call-next (${asked ? 'every patient asked for SMS' : 'nobody asked'})`,
        dirName: `s9-calls-${asked ? 'with' : 'without'}-${pass}`,
        ...(asked && {
          beforeStart: async (dir: string) => {
            dirsWith.push(dir);
            await everyoneAsksForMessages(dir);
          },
        }),
      }),
    callsTogether,
  );
  const counts = dirsWith.map(messagesIn);
  return { with: withMessages, without, messages: { written: counts.reduce((n, c) => n + c.written, 0), delivered: counts.reduce((n, c) => n + c.delivered, 0) } };
}
