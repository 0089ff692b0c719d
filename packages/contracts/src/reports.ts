import { z } from 'zod';
import { idSchema, isoDateTime } from './common.js';

/** Today's figures for the admin's dashboard: counts and times only, nothing personal. */
export const todayReportSchema = z.object({
  /** The clinic's local day (TZ_QUEUE), `YYYY-MM-DD`. */
  day: z.string(),
  generatedAt: isoDateTime,
  issued: z.number().int(),
  waitingNow: z.number().int(),
  served: z.number().int(),
  noShows: z.number().int(),
  cancelled: z.number().int(),
  /** From issue (or arrival in a department) to the call, over today's calls; null before the first. */
  averageWaitMinutes: z.number().nullable(),
  p90WaitMinutes: z.number().nullable(),
  departments: z.array(
    z.object({
      departmentId: idSchema,
      issued: z.number().int(),
      waitingNow: z.number().int(),
      served: z.number().int(),
      noShows: z.number().int(),
      averageWaitMinutes: z.number().nullable(),
      p90WaitMinutes: z.number().nullable(),
    }),
  ),
  counters: z.array(z.object({ counterId: idSchema, departmentId: idSchema, served: z.number().int() })),
});
export type TodayReport = z.infer<typeof todayReportSchema>;
