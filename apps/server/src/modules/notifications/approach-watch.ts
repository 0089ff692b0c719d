import type { EstimatedWait } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import type { DepartmentSettings } from './department-settings.js';
import { createBackgroundPass } from './background-pass.js';
import * as repo from './notifications.repository.js';

const POKE_DELAY_MS = 200;

/** What the watch needs of the queue: the head of a department's line, and the wait each place means. */
export interface LinePlaces {
  waitingHead(departmentId: string, limit: number): Promise<{ departmentName: string; ids: string[]; estimate: (peopleAhead: number) => EstimatedWait }>;
  /** Every department that has a line (the periodic look: estimates shrink with time alone). */
  departmentIds(): Promise<string[]>;
}

/** However wide the minutes rule, the watch looks no further back than this. */
const MAX_HEAD = 200;

/**
 * "Your turn is near": sent once when a waiting patient's position is at most N or their estimated
 * wait at most M minutes. Only the head of a line can qualify, so the watch reads that head (from the
 * in-memory line) and asks which of those patients are still owed the message: a line of 100,000
 * costs what a line of 100 does. It looks after each change in a department and every few seconds;
 * taking the consent's flag in the same transaction as the message makes it once, whichever instance
 * sees it first.
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
  /** Departments changed since the last pass; undefined: look at every department. */
  let changed: Set<string> | undefined = new Set();
  let lastFullAt = 0;

  /** How far back the rule reaches: N places, or as many as wait at most M minutes. */
  function reach(rule: { position: number; minutes: number }, estimate: (peopleAhead: number) => EstimatedWait): number {
    let places = rule.position;
    while (places < MAX_HEAD && estimate(places).maxMinutes <= rule.minutes) places++;
    return places;
  }

  async function checkDepartment(departmentId: string): Promise<number> {
    const settings = await deps.settings.read(departmentId);
    if (!settings.triggers.approaching) return 0;
    const probe = await deps.places.waitingHead(departmentId, 0);
    const head = await deps.places.waitingHead(departmentId, reach(settings.approach, probe.estimate));
    if (head.ids.length === 0) return 0;
    const due = new Set(await repo.approachDueAmong(deps.database.db, head.ids));
    const tokens = new Map((await repo.tokenNumbers(deps.database.db, head.ids.filter((id) => due.has(id)))).map((token) => [token.id, token]));
    const owed: { tokenId: string; number: string; version: number; minutes: number }[] = [];
    for (const [ahead, tokenId] of head.ids.entries()) {
      const token = tokens.get(tokenId);
      if (token) owed.push({ tokenId, number: token.number, version: token.version, minutes: Math.max(1, head.estimate(ahead).maxMinutes) });
    }
    if (owed.length === 0) return 0;
    // One transaction for the pass (each commit is a sync to disk on SQLite).
    return deps.database.transact(async (trx) => {
      let written = 0;
      for (const o of owed) {
        if (!(await repo.claimApproach(trx, o.tokenId))) continue;
        const consent = await repo.findConsent(trx, o.tokenId);
        const wrote = await repo.insertMessage(trx, {
          id: newId(),
          dedupe_key: `approach:${o.tokenId}:v${o.version}`,
          token_id: o.tokenId,
          department_id: departmentId,
          trigger: 'approaching',
          channel: consent?.channel ?? 'sms',
          language: consent?.language ?? null,
          vars: JSON.stringify({ number: o.number, department: head.departmentName, minutes: String(o.minutes) }),
          at: deps.clock.now(),
        });
        if (wrote) written++;
      }
      return written;
    });
  }

  async function sweep(): Promise<void> {
    // Every few seconds every department (estimates shrink with time alone); between, the changed ones.
    const full = changed === undefined || performance.now() - lastFullAt >= deps.intervalMs * 0.9;
    const departments = full ? new Set(await deps.places.departmentIds()) : (changed ?? new Set<string>());
    if (full) lastFullAt = performance.now();
    changed = new Set();
    let written = 0;
    for (const departmentId of departments) written += await checkDepartment(departmentId);
    if (written > 0) deps.wrote();
  }

  const loop = createBackgroundPass({
    pass: sweep,
    intervalMs: deps.intervalMs,
    pokeDelayMs: POKE_DELAY_MS,
    onError: (error) => deps.onError(error, 'notifications: the turn-approaching watch failed'),
  });

  return {
    /** The periodic look is at every department (estimates shrink with time alone). */
    start(): void {
      changed = undefined;
      loop.start();
    },
    /** Departments' lines changed (any instance's commits): look at them again; none named: every one. */
    poke(departmentIds?: Iterable<string>): void {
      if (!departmentIds) changed = undefined;
      else if (changed) for (const id of departmentIds) changed.add(id);
      loop.poke();
    },
    stop: loop.stop,
    /** Every department, now (tests). */
    async sweepNow(): Promise<void> {
      changed = undefined;
      await loop.settled();
      await sweep();
    },
  };
}

export type ApproachWatch = ReturnType<typeof createApproachWatch>;
