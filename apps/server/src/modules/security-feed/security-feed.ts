import { sql } from 'kysely';
import { SECURITY_FEED_KINDS, type SecurityFeed, type SecurityFeedKind, type SecurityFeedQuery } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { ValidationError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';

/** One refusal as the feed counts it. `route` is the route's pattern, never the raw URL (no secrets, bounded). */
export interface SecurityFeedEvent {
  kind: SecurityFeedKind;
  rule: string;
  route: string;
  ip: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DEFAULT_RANGE_MS = 24 * HOUR_MS;
const MAX_RANGE_MS = 31 * 24 * HOUR_MS;
const FLUSH_EVERY_MS = 5_000;
/**
 * Distinct (minute, kind, rule, route, address) counts held between flushes. A flood from many
 * addresses folds into one "*" address past it: memory stays bounded, the totals stay right.
 */
const MAX_PENDING = 5_000;
const ROWS_PER_INSERT = 500;
const TOP = 10;

type Row = SecurityFeedEvent & { minute: number; count: number };

const zeroCounts = (): Record<SecurityFeedKind, number> => Object.fromEntries(SECURITY_FEED_KINDS.map((k) => [k, 0])) as Record<SecurityFeedKind, number>;

/**
 * The security feed (issue 15): refused sign-ins, rate-limit hits, blocked requests and detector
 * events, counted per minute, rule, route and address, for admins to see who is knocking. Counting
 * is in memory and written every few seconds as upserts, so an attack's requests cost no write each.
 */
export function createSecurityFeed(deps: {
  database: Database;
  clock: Clock;
  onError: (error: unknown) => void;
  flushEveryMs?: number;
  /** Told each written count (one per minute, kind, rule, route and address, for this flush): the audit trail. */
  onFlushed?: (counts: readonly (SecurityFeedEvent & { minute: number; count: number })[]) => void;
}) {
  const { database, clock } = deps;
  let pending = new Map<string, Row>();

  function count(event: SecurityFeedEvent): void {
    const minute = Math.floor(clock.now() / MINUTE_MS) * MINUTE_MS;
    const row: Row = { minute, kind: event.kind, rule: event.rule.slice(0, 64), route: event.route.slice(0, 160), ip: event.ip.slice(0, 64), count: 1 };
    let key = `${minute}\u0000${row.kind}\u0000${row.rule}\u0000${row.route}\u0000${row.ip}`;
    if (!pending.has(key) && pending.size >= MAX_PENDING) {
      row.ip = '*';
      key = `${minute}\u0000${row.kind}\u0000${row.rule}\u0000${row.route}\u0000*`;
    }
    const known = pending.get(key);
    if (known) known.count += 1;
    else pending.set(key, row);
  }

  async function flush(): Promise<void> {
    if (pending.size === 0) return;
    const rows = [...pending.values()];
    pending = new Map();
    await database.transact(async (trx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
        await trx
          .insertInto('security_event_counts')
          .values(rows.slice(i, i + ROWS_PER_INSERT))
          .onConflict((oc) => oc.columns(['minute', 'kind', 'rule', 'route', 'ip']).doUpdateSet((eb) => ({ count: eb('security_event_counts.count', '+', eb.ref('excluded.count')) })))
          .execute();
      }
    });
    deps.onFlushed?.(rows);
  }

  const timer = setInterval(() => void flush().catch(deps.onError), deps.flushEveryMs ?? FLUSH_EVERY_MS);
  timer.unref();

  async function report(query: SecurityFeedQuery): Promise<SecurityFeed> {
    await flush();
    const to = query.to ? Date.parse(query.to) : clock.now();
    const from = query.from ? Date.parse(query.from) : to - DEFAULT_RANGE_MS;
    if (from >= to) throw new ValidationError('“from” must be before “to”.', [{ path: 'querystring.from', message: 'not before to' }]);
    if (to - from > MAX_RANGE_MS) throw new ValidationError('Ask for at most 31 days at once.', [{ path: 'querystring.from', message: 'range longer than 31 days' }]);
    const firstHour = Math.floor(from / HOUR_MS) * HOUR_MS;
    const base = database.db
      .selectFrom('security_event_counts')
      .where('minute', '>=', Math.floor(from / MINUTE_MS) * MINUTE_MS)
      .where('minute', '<=', to)
      .$if(query.kind !== undefined, (q) => q.where('kind', '=', query.kind!))
      .$if(query.ip !== undefined, (q) => q.where('ip', '=', query.ip!))
      .$if(query.route !== undefined, (q) => q.where('route', '=', query.route!))
      .$if(query.rule !== undefined, (q) => q.where('rule', '=', query.rule!));
    const total = sql<string | number>`sum(count)`;
    const hour = sql<string | number>`(minute / ${sql.lit(HOUR_MS)}) * ${sql.lit(HOUR_MS)}`;
    const [byHour, ips, routes, rules] = await Promise.all([
      base.select([hour.as('hour'), 'kind', total.as('n')]).groupBy([hour, 'kind']).execute(),
      base.select(['ip', total.as('n')]).groupBy('ip').orderBy(total, 'desc').orderBy('ip').limit(TOP).execute(),
      base.select(['route', total.as('n')]).groupBy('route').orderBy(total, 'desc').orderBy('route').limit(TOP).execute(),
      base.select(['kind', 'rule', total.as('n')]).groupBy(['kind', 'rule']).orderBy(total, 'desc').orderBy('rule').limit(TOP).execute(),
    ]);
    const hourly = new Map<number, Record<SecurityFeedKind, number>>();
    for (let at = firstHour; at <= to; at += HOUR_MS) hourly.set(at, zeroCounts());
    const byKind = zeroCounts();
    for (const row of byHour) {
      const n = Number(row.n);
      byKind[row.kind] += n;
      const counts = hourly.get(Number(row.hour));
      if (counts) counts[row.kind] += n;
    }
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      total: Object.values(byKind).reduce((a, b) => a + b, 0),
      byKind,
      hourly: [...hourly].map(([at, counts]) => ({ at: new Date(at).toISOString(), counts })),
      top: {
        ips: ips.map((r) => ({ ip: r.ip, count: Number(r.n) })),
        routes: routes.map((r) => ({ route: r.route, count: Number(r.n) })),
        rules: rules.map((r) => ({ kind: r.kind, rule: r.rule, count: Number(r.n) })),
      },
    };
  }

  return {
    count,
    flush,
    report,
    async close(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  };
}

export type SecurityFeedService = ReturnType<typeof createSecurityFeed>;
