import { DEFAULT_TILE_FADE_MINUTES, type Board, type BoardSettings, type BoardView, type PrivacyProfile, type UpdateBoardSettingsBody } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import { NotFoundError } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import * as repo from './display.repository.js';

/** What the display module needs of the queue: the board as the queue reads it. */
export interface BoardSource {
  board(departmentId: string, privacy?: PrivacyProfile): Promise<Board & Pick<BoardView, 'waitingCount' | 'typicalWait'>>;
  departmentName(departmentId: string): Promise<string | undefined>;
}

const toSettings = (row: repo.BoardSettingsRow | undefined): BoardSettings => ({
  ticker: row?.ticker ?? '',
  tileFadeMinutes: row?.tile_fade_minutes ?? DEFAULT_TILE_FADE_MINUTES,
  updatedAt: row ? iso(row.updated_at) : null,
});

/**
 * One tile per counter: a counter that calls again replaces its tile, whatever became of the patient
 * it called before (still `called`, kept waiting at the door). The list comes latest call first, so
 * the first call seen of a counter is its latest.
 */
export function onePerCounter<T extends { counterName: string }>(nowServing: T[]): T[] {
  const seen = new Set<string>();
  return nowServing.filter((call) => {
    if (seen.has(call.counterName)) return false;
    seen.add(call.counterName);
    return true;
  });
}

/** The waiting-room board as screens draw it, and the settings an admin gives each department's board. */
export function createDisplayService(deps: { database: Database; clock: Clock; queue: BoardSource }) {
  const { database, clock, queue } = deps;
  const { db } = database;

  async function requireDepartment(departmentId: string): Promise<void> {
    if ((await queue.departmentName(departmentId)) === undefined) throw new NotFoundError(`Department ${departmentId} does not exist.`);
  }

  return {
    async board(departmentId: string, privacy?: PrivacyProfile): Promise<BoardView> {
      const [board, settings] = await Promise.all([queue.board(departmentId, privacy), repo.findBoardSettings(db, departmentId)]);
      const { ticker, tileFadeMinutes } = toSettings(settings);
      return { ...board, departmentId, nowServing: onePerCounter(board.nowServing), ticker, tileFadeMinutes };
    },

    async settings(departmentId: string): Promise<BoardSettings> {
      await requireDepartment(departmentId);
      return toSettings(await repo.findBoardSettings(db, departmentId));
    },

    async updateSettings(departmentId: string, body: UpdateBoardSettingsBody): Promise<BoardSettings> {
      await requireDepartment(departmentId);
      const current = toSettings(await repo.findBoardSettings(db, departmentId));
      const row: repo.BoardSettingsRow = {
        department_id: departmentId,
        ticker: body.ticker ?? current.ticker,
        tile_fade_minutes: body.tileFadeMinutes ?? current.tileFadeMinutes,
        updated_at: clock.now(),
      };
      await repo.saveBoardSettings(db, row);
      return toSettings(row);
    },
  };
}

export type DisplayService = ReturnType<typeof createDisplayService>;
