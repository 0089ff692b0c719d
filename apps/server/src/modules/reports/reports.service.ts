import type { TodayReport } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { iso, localDay, type Clock } from '../../lib/clock.js';
import * as repo from './reports.repository.js';

const MINUTE_MS = 60_000;
const P90 = 0.9;

/** Minutes with one decimal, or null for no data. */
const minutes = (ms: number | null): number | null => (ms === null ? null : Math.round((ms / MINUTE_MS) * 10) / 10);

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function summary(waits: number[]): { averageWaitMinutes: number | null; p90WaitMinutes: number | null } {
  if (waits.length === 0) return { averageWaitMinutes: null, p90WaitMinutes: null };
  const sorted = [...waits].sort((a, b) => a - b);
  return { averageWaitMinutes: minutes(sorted.reduce((a, b) => a + b, 0) / sorted.length), p90WaitMinutes: minutes(percentile(sorted, P90)) };
}

/** Counts from SQL arrive as numbers, bigints' strings or null, depending on the database. */
const n = (value: unknown): number => Number(value ?? 0);

export function createReportsService(deps: { database: Database; clock: Clock; timeZone: string }) {
  const { database, clock, timeZone } = deps;
  const { db } = database;

  return {
    /** Today's figures (the clinic's local day): counts, waits and services; nothing about any one patient. */
    async today(): Promise<TodayReport> {
      const now = clock.now();
      const day = localDay(now, timeZone);
      const [issued, noShows, waiting, served, waits] = await Promise.all([repo.issuedOn(db, day), repo.noShowsOn(db, day), repo.waitingNow(db), repo.servedOn(db, day), repo.waitsOn(db, day)]);

      const ids = new Set<string>([...issued, ...noShows, ...waiting, ...served, ...waits].map((r) => r.departmentId));
      const waitsOf = (id?: string) => waits.filter((w) => id === undefined || w.departmentId === id).map((w) => n(w.waitMs));
      const departments = [...ids].sort().map((departmentId) => ({
        departmentId,
        issued: n(issued.find((r) => r.departmentId === departmentId)?.issued),
        waitingNow: n(waiting.find((r) => r.departmentId === departmentId)?.n),
        served: served.filter((r) => r.departmentId === departmentId).reduce((sum, r) => sum + n(r.n), 0),
        noShows: n(noShows.find((r) => r.departmentId === departmentId)?.n),
        ...summary(waitsOf(departmentId)),
      }));
      const total = (pick: (d: (typeof departments)[number]) => number) => departments.reduce((sum, d) => sum + pick(d), 0);
      return {
        day,
        generatedAt: iso(now),
        issued: total((d) => d.issued),
        waitingNow: total((d) => d.waitingNow),
        served: total((d) => d.served),
        noShows: total((d) => d.noShows),
        cancelled: issued.reduce((sum, r) => sum + n(r.cancelled), 0),
        ...summary(waitsOf()),
        departments,
        counters: served
          .filter((r): r is typeof r & { counterId: string } => r.counterId !== null)
          .map((r) => ({ counterId: r.counterId, departmentId: r.departmentId, served: n(r.n) })),
      };
    },
  };
}

export type ReportsService = ReturnType<typeof createReportsService>;
