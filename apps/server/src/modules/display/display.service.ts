import { DEFAULT_TILE_FADE_MINUTES, type Board, type BoardSettings, type BoardView, type PrivacyProfile, type UpdateBoardSettingsBody } from '@smart-token/contracts';
import type { Database } from '../../db/database.js';
import type { CacheInvalidationBus } from '../cache/cache-invalidation.js';
import { createReadCache } from '../cache/read-cache.js';
import { NotFoundError } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import * as repo from './display.repository.js';

/** What the display module needs of the queue: the board as the queue reads it. */
export interface BoardSource {
  board(departmentId: string, privacy?: PrivacyProfile): Promise<Board & Pick<BoardView, 'waitingCount' | 'typicalWait'>>;
  departmentName(departmentId: string): Promise<string | undefined>;
}

/** Every board asks for its settings with each reload; an admin changes them a few times a day. */
const SETTINGS_CACHE_MAX_ENTRIES = 1000;
/** Only a safety net: a change is invalidated on every instance through the bus. */
const SETTINGS_CACHE_TTL_MS = 10 * 60_000;

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
export function createDisplayService(deps: {
  database: Database;
  clock: Clock;
  queue: BoardSource;
  invalidation: Pick<CacheInvalidationBus, 'publish' | 'subscribe' | 'catchUp'>;
}) {
  const { database, clock, queue, invalidation } = deps;
  const { db } = database;

  // Read on every board request, from the database only when not cached (a department without a
  // row caches the defaults, so it is not read again either).
  const cache = createReadCache<BoardSettings>({ max: SETTINGS_CACHE_MAX_ENTRIES, ttlMs: SETTINGS_CACHE_TTL_MS, catchUp: () => invalidation.catchUp() });
  invalidation.subscribe((message) => {
    if (message.kind === 'board-settings') cache.delete(message.id);
    else if (message.kind === 'everything') cache.clear();
  });
  const settingsOf = async (departmentId: string): Promise<BoardSettings> =>
    (await cache.get(departmentId, async () => toSettings(await repo.findBoardSettings(db, departmentId)))) ?? toSettings(undefined);

  async function requireDepartment(departmentId: string): Promise<void> {
    if ((await queue.departmentName(departmentId)) === undefined) throw new NotFoundError(`Department ${departmentId} does not exist.`);
  }

  return {
    async board(departmentId: string, privacy?: PrivacyProfile): Promise<BoardView> {
      const [board, { ticker, tileFadeMinutes }] = await Promise.all([queue.board(departmentId, privacy), settingsOf(departmentId)]);
      return { ...board, departmentId, nowServing: onePerCounter(board.nowServing), ticker, tileFadeMinutes };
    },

    async settings(departmentId: string): Promise<BoardSettings> {
      await requireDepartment(departmentId);
      return settingsOf(departmentId);
    },

    /** Hears every change to a board's settings (any instance), for the boards that show them live. */
    onChange(listener: () => void): void {
      invalidation.subscribe((message) => {
        if (message.kind === 'board-settings' || message.kind === 'everything') listener();
      });
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
      // Every instance drops its copy, and the open boards hear of it (setup events) at once.
      await invalidation.publish({ kind: 'board-settings', id: departmentId });
      return toSettings(row);
    },
  };
}

export type DisplayService = ReturnType<typeof createDisplayService>;
