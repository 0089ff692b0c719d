import type { PendingEvent } from '../live/live-events.js';
import { createLineModel } from './line-model.js';
import { createQueueCommands, type QueueContext } from './queue.commands.js';
import { createQueueReads } from './queue.reads.js';
import * as repo from './queue.repository.js';

export { SYSTEM_ACTOR, formatNumber, toToken, type Actor } from './tokens.js';

export interface QueueServiceDeps extends QueueContext {
  /** Receives a change's events once it has committed (the live bus); nothing by default. */
  publish?: (events: PendingEvent[]) => void;
  onError?: (error: unknown, context: string) => void;
}

/**
 * The queue: commands that change tokens (one transaction each), reads that answer from the
 * in-memory line where they can, and the line model kept from every instance's committed events.
 */
export function createQueueService(deps: QueueServiceDeps) {
  const { database, clock, lookup } = deps;
  const publish = deps.publish ?? (() => undefined);
  const line = createLineModel({
    async load(departmentId) {
      const { seq, rows } = await repo.readLine(database, departmentId);
      return { seq, entries: rows.map((row) => ({ id: row.id, lane: row.lane, queuedAt: row.queued_at })) };
    },
    onError: deps.onError ?? (() => undefined),
  });
  const reads = createQueueReads({ database, clock, timeZone: deps.timeZone, lookup, line });
  const commands = createQueueCommands({
    ...deps,
    reads,
    committed(events) {
      // This instance's own changes reach its line at once; the copies that come back are dropped by seq.
      line.apply(events);
      publish(events);
    },
  });
  return {
    ...commands,
    ...reads,
    /** Committed events from every instance (the live relay): keeps the in-memory line current. */
    applyCommitted: (events: PendingEvent[]) => line.apply(events),
    /** Events of the department were lost: its line is read again from the database. */
    resync: (departmentId: string) => line.resync(departmentId),
    line,
  };
}

export type QueueService = ReturnType<typeof createQueueService>;
