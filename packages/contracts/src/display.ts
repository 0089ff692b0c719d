import { z } from 'zod';
import { isoDateTime } from './common.js';
import { boardSchema } from './public.js';
import { TOKEN_ACTIONS, estimatedWaitSchema, tokenSchema } from './queue.js';

/** How long a board keeps a tile unchanged before it fades, unless the department says otherwise. */
export const DEFAULT_TILE_FADE_MINUTES = 10;
export const MAX_TILE_FADE_MINUTES = 24 * 60;
export const MAX_TICKER_LENGTH = 500;

/** A department's board settings: the message ticker the admin edits, and when tiles fade. */
export const boardSettingsSchema = z.object({
  ticker: z.string().describe('the line that scrolls along the foot of the board; empty for none'),
  tileFadeMinutes: z.number().int().describe('a tile left unchanged this long fades; 0 never fades'),
  updatedAt: isoDateTime.nullable(),
});
export type BoardSettings = z.infer<typeof boardSettingsSchema>;

export const updateBoardSettingsBodySchema = z.strictObject({
  ticker: z.string().trim().max(MAX_TICKER_LENGTH).optional(),
  tileFadeMinutes: z.number().int().min(0).max(MAX_TILE_FADE_MINUTES).optional(),
});
export type UpdateBoardSettingsBody = z.infer<typeof updateBoardSettingsBodySchema>;

/**
 * A counter's last change to a token (the one an undo would reverse), from the server's history, so
 * a console offers undo after a reload. Null when the counter has done nothing undoable lately.
 */
export const counterActionSchema = z.object({
  token: tokenSchema,
  action: z.enum(TOKEN_ACTIONS),
  at: isoDateTime,
  by: z.string(),
  /** Whether that change is still the token's last one (only then can it be undone). */
  undoable: z.boolean(),
});
export type CounterAction = z.infer<typeof counterActionSchema>;
export const lastActionResponseSchema = counterActionSchema.nullable();

/** Patients this counter finished lately (completed, sent on, parked, no-show, transferred), latest first. */
export const recentlyServedResponseSchema = z.array(counterActionSchema);

/**
 * The board as `GET /departments/:id/board` draws it: one tile per counter (its latest call), with the
 * department's waiting count, a typical wait for someone arriving now, the ticker and the fade time.
 */
export const boardViewSchema = boardSchema.extend({
  departmentId: z.string(),
  waitingCount: z.number().int(),
  typicalWait: estimatedWaitSchema.describe('the wait of someone who joins the line now'),
  ticker: z.string(),
  tileFadeMinutes: z.number().int(),
});
export type BoardView = z.infer<typeof boardViewSchema>;
