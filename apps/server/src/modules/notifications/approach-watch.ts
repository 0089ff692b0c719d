import type { EstimatedWait } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import type { DepartmentSettings } from './department-settings.js';
import * as repo from './notifications.repository.js';

const POKE_DELAY_MS = 200;

/** What the watch needs of the queue: where each waiting token stands, and the wait that means. */
export interface LinePlaces {
  waitingSnapshot(departmentId: string): Promise<{ departmentName: string; ahead: { get(tokenId: string): number | undefined }; estimate(peopleAhead: number): EstimatedWait }>;
  tokenNumber(tokenId: string): Promise<{ number: string; version: number } | undefined>;
}

/**
 * "Your turn is near": sent once when a waiting patient's position is at most N or their estimated
 * wait at most M minutes. Positions move with every call and estimates with time, so the watch looks
 * again after each change in a department and every few seconds; taking the consent's flag in the
 * same transaction as the message makes it once, whichever instance sees it first.
 */
export function createApproachWatch(deps: {
  database: Database;
  clock: { now(): number };
  settings: DepartmentSettings;
  places: LinePlaces;
  wrote: () => void;
  onError: (error: unknown, context: string) => void;
  intervalMs: number;
}) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  let poked: NodeJS.Timeout | undefined;

  /** Many commits in a burst make one pass, shortly after the first. */
  function poke(): void {
    poked ??= setTimeout(() => {
      poked = undefined;
      run();
    }, POKE_DELAY_MS);
  }

  async function checkDepartment(departmentId: string, tokenIds: string[]): Promise<number> {
    const settings = await deps.settings.read(departmentId);
    if (!settings.triggers.approaching) return 0;
    const line = await deps.places.waitingSnapshot(departmentId);
    let written = 0;
    for (const tokenId of tokenIds) {
      const ahead = line.ahead.get(tokenId);
      if (ahead === undefined) continue;
      const wait = line.estimate(ahead);
      if (ahead + 1 > settings.approach.position && wait.maxMinutes > settings.approach.minutes) continue;
      const token = await deps.places.tokenNumber(tokenId);
      if (!token) continue;
      const wroteOne = await deps.database.transact(async (trx) => {
        if (!(await repo.claimApproach(trx, tokenId))) return false;
        const consent = await repo.findConsent(trx, tokenId);
        return repo.insertMessage(trx, {
          id: newId(),
          dedupe_key: `approach:${tokenId}:v${token.version}`,
          token_id: tokenId,
          department_id: departmentId,
          trigger: 'approaching',
          channel: consent?.channel ?? 'sms',
          language: consent?.language ?? null,
          vars: JSON.stringify({ number: token.number, department: line.departmentName, minutes: String(Math.max(1, wait.maxMinutes)) }),
          at: deps.clock.now(),
        });
      });
      if (wroteOne) written++;
    }
    return written;
  }

  async function sweep(): Promise<void> {
    const due = await repo.approachDue(deps.database.db);
    const byDepartment = new Map<string, string[]>();
    for (const row of due) byDepartment.set(row.department_id, [...(byDepartment.get(row.department_id) ?? []), row.token_id]);
    let written = 0;
    for (const [departmentId, tokenIds] of byDepartment) written += await checkDepartment(departmentId, tokenIds);
    if (written > 0) deps.wrote();
  }

  function run(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = sweep()
      .catch((error: unknown) => deps.onError(error, 'notifications: the turn-approaching watch failed'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  }

  return {
    start(): void {
      stopped = false;
      timer = setInterval(run, deps.intervalMs);
      timer.unref();
      run();
    },
    /** A department's line changed (any instance's commit): look again. */
    poke,
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      if (poked) clearTimeout(poked);
      await running;
    },
    sweepNow: sweep,
  };
}

export type ApproachWatch = ReturnType<typeof createApproachWatch>;
