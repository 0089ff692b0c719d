import type { CounterAction, HistoryAction, TokenAction } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { NotFoundError } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import * as repo from './counter-history.repository.js';
import type { DepartmentLookup } from './department-lookup.js';
import { inScope, notYourDepartment, type Scope } from './department-scope.js';
import { toToken, type TokenState } from './tokens.js';

/** A console offers to undo or call back what its counter did within this long (a working day). */
export const COUNTER_HISTORY_WINDOW_MS = 12 * 60 * 60_000;
/** How many of the counter's latest transitions are looked through for the tokens it touched. */
const COUNTER_TRANSITIONS_SCANNED = 60;
export const RECENTLY_SERVED_SHOWN = 8;

/** What a person at the counter did (the system's returns after park, issues and undos are no action to undo). */
const COUNTER_ACTIONS: ReadonlySet<HistoryAction> = new Set<TokenAction>(['call', 'recall', 'start', 'complete', 'transfer', 'park', 'no_show', 'cancel']);
const isCounterAction = (action: HistoryAction): action is TokenAction => COUNTER_ACTIONS.has(action);

/** The token's state before a transition, as kept for undo. */
function before(row: repo.HistoryRow): Partial<TokenState> {
  if (!row.before_state) return {};
  try {
    return JSON.parse(row.before_state) as Partial<TokenState>;
  } catch {
    return {};
  }
}

/** Whether the transition happened at this counter: the token stood there before it, or ends there. */
const atCounter = (row: repo.HistoryRow, counterId: string) => row.counter_id === counterId || before(row).counter_id === counterId;

/**
 * A counter's own history, read from the tokens' transitions: its last undoable action (so undo
 * survives a reload and works the same on every screen of that counter) and the patients it finished
 * lately (so one can be called back where the state machine allows).
 */
export function createCounterHistory(deps: { database: Database; clock: Clock; lookup: Pick<DepartmentLookup, 'counter' | 'department'> }) {
  const { database, clock, lookup } = deps;
  const { db } = database;

  async function read(counterId: string, scope: Scope) {
    const counter = await lookup.counter(counterId);
    if (!counter) throw new NotFoundError(`Counter ${counterId} does not exist.`);
    if (!inScope(scope, counter.department_id)) {
      const dept = await lookup.department(counter.department_id);
      throw notYourDepartment(dept?.name ?? `department ${counter.department_id}`, `read the history of ${counter.name}`);
    }
    const rows = await repo.recentTransitionsOfCounterTokens(db, counterId, clock.now() - COUNTER_HISTORY_WINDOW_MS, COUNTER_TRANSITIONS_SCANNED);
    const tokens = new Map((await repo.tokensWithIds(db, [...new Set(rows.map((r) => r.token_id))])).map((t) => [t.id, t]));
    // Newest first: the counter's actions, each with the token as it is now.
    // A reprint is in the history but changes no state: undo passes over it to the change before.
    const lastChange = new Map<string, number>();
    for (const row of rows) if (row.action !== 'reprint' && row.version > (lastChange.get(row.token_id) ?? 0)) lastChange.set(row.token_id, row.version);
    const actions = rows.flatMap((row) => {
      const token = tokens.get(row.token_id);
      const action = row.action;
      if (!token || !isCounterAction(action) || !atCounter(row, counterId)) return [];
      return [{ row, token, action }];
    });
    const toAction = ({ row, token, action }: (typeof actions)[number]): CounterAction => ({
      token: toToken(token),
      action,
      at: iso(row.at),
      by: row.actor_label,
      // Undo reverses a token's last change of state only.
      undoable: row.version === lastChange.get(token.id),
    });
    return { actions, toAction };
  }

  return {
    /**
     * The counter's latest action that can still be undone: after one undo, the one before it (each
     * token's last change, newest first), so U pressed again walks back through the counter's work.
     */
    async lastAction(counterId: string, scope: Scope = {}): Promise<CounterAction | null> {
      const { actions, toAction } = await read(counterId, scope);
      const last = actions.find(({ row, token }) => row.version === token.version);
      return last ? toAction(last) : null;
    },

    /**
     * Patients the counter finished lately, latest first, one entry each: the action that took them
     * away from the counter (completed, sent on, parked, transferred, no-show), with the token now.
     */
    async recentlyServed(counterId: string, scope: Scope = {}): Promise<CounterAction[]> {
      const { actions, toAction } = await read(counterId, scope);
      const seen = new Set<string>();
      const served: CounterAction[] = [];
      for (const entry of actions) {
        if (seen.has(entry.token.id)) continue;
        seen.add(entry.token.id);
        // At the counter now (called, serving, or called back by an undo): the counter's patient, not a past one.
        const { token } = entry;
        if (token.counter_id === counterId && (token.status === 'called' || token.status === 'serving')) continue;
        // Its latest action here left it at the counter, and it has moved on since by someone else's hand (a transfer at reception).
        if (entry.row.counter_id === counterId && (entry.row.to_status === 'called' || entry.row.to_status === 'serving')) continue;
        served.push(toAction(entry));
        if (served.length === RECENTLY_SERVED_SHOWN) break;
      }
      return served;
    },
  };
}

export type CounterHistory = ReturnType<typeof createCounterHistory>;
