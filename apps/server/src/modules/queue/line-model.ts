import type { PendingEvent } from '../live/live-events.js';
import { Line, type LineEntry } from './line.js';

/** A department's line as read from the database, with the outbox seq it is current to. */
export interface LoadedLine {
  seq: number;
  entries: LineEntry[];
}

export interface LineModelDeps {
  /** Reads the department's waiting tokens and its last event seq in one consistent snapshot. */
  load(departmentId: string): Promise<LoadedLine>;
  onError(error: unknown, context: string): void;
  /** How long an out-of-order event may wait for the ones before it before the line is read again. */
  gapTimeoutMs?: number;
}

const DEFAULT_GAP_TIMEOUT_MS = 3_000;

interface DepartmentState {
  line: Line | undefined;
  seq: number;
  /** Events that arrived while loading or ahead of a gap, applied once their turn comes. */
  pending: Map<number, PendingEvent>;
  loading: Promise<void> | undefined;
  gapSince: number | undefined;
}

/**
 * The in-memory read model of every department's waiting line, kept from committed events (this
 * instance's and, through the bus, every other's) in seq order, and read again from the database
 * at first use and whenever events went missing. Positions, people ahead, the waiting list in call
 * order and the counts come from here without a query; while a line is not current, readers get
 * undefined and ask the database instead.
 */
export function createLineModel(deps: LineModelDeps) {
  const states = new Map<string, DepartmentState>();
  const gapTimeoutMs = deps.gapTimeoutMs ?? DEFAULT_GAP_TIMEOUT_MS;

  function stateOf(departmentId: string): DepartmentState {
    let state = states.get(departmentId);
    if (!state) states.set(departmentId, (state = { line: undefined, seq: 0, pending: new Map(), loading: undefined, gapSince: undefined }));
    return state;
  }

  function applyOne(line: Line, event: PendingEvent): void {
    const token = event.token;
    if (token.departmentId === event.departmentId && token.status === 'waiting' && event.order) {
      line.put({ id: token.id, lane: event.order.lane, queuedAt: event.order.queuedAt });
    } else {
      line.remove(token.id);
    }
  }

  /** Applies pending events in seq order as far as they go without a hole. */
  function drain(departmentId: string, state: DepartmentState): void {
    const line = state.line;
    if (!line) return;
    for (;;) {
      const next = state.pending.get(state.seq + 1);
      if (!next) break;
      state.pending.delete(next.seq);
      if (next.token.status === 'waiting' && next.token.departmentId === departmentId && !next.order) {
        // An event from before the model existed carries no order keys: read the line again.
        void reload(departmentId, state);
        return;
      }
      applyOne(line, next);
      state.seq = next.seq;
    }
    for (const seq of state.pending.keys()) if (seq <= state.seq) state.pending.delete(seq);
    state.gapSince = state.pending.size > 0 ? (state.gapSince ?? Date.now()) : undefined;
  }

  function reload(departmentId: string, state: DepartmentState): Promise<void> {
    if (state.loading) return state.loading;
    state.line = undefined;
    state.gapSince = undefined;
    state.loading = deps
      .load(departmentId)
      .then(
        (loaded) => {
          const line = new Line();
          for (const entry of loaded.entries) line.put(entry);
          state.line = line;
          state.seq = loaded.seq;
          drain(departmentId, state);
        },
        (error: unknown) => deps.onError(error, 'reading the waiting line'),
      )
      .finally(() => {
        state.loading = undefined;
      });
    return state.loading;
  }

  /** The line when it is current; otherwise starts reading it and returns undefined (ask the database). */
  function current(departmentId: string): Line | undefined {
    const state = stateOf(departmentId);
    if (state.line && state.gapSince !== undefined && Date.now() - state.gapSince > gapTimeoutMs) {
      void reload(departmentId, state);
      return undefined;
    }
    if (!state.line && !state.loading) void reload(departmentId, state);
    return state.line && state.gapSince === undefined ? state.line : undefined;
  }

  return {
    /** Committed events, in any order and possibly twice: each department's are applied once, in seq order. */
    apply(events: PendingEvent[]): void {
      const touched = new Set<string>();
      for (const event of events) {
        const state = states.get(event.departmentId);
        // A department nobody has read yet is loaded, current, at its first read.
        if (!state || event.seq <= state.seq) continue;
        state.pending.set(event.seq, event);
        touched.add(event.departmentId);
      }
      for (const departmentId of touched) drain(departmentId, states.get(departmentId)!);
    },

    /** The events of a department were lost (purged before they were delivered): read it again. */
    resync(departmentId: string): void {
      const state = states.get(departmentId);
      if (state) void reload(departmentId, state);
    },

    /** Reads the department's line now (at start, or in a test) and waits until it is current. */
    async ready(departmentId: string): Promise<Line | undefined> {
      const state = stateOf(departmentId);
      if (!state.line) await reload(departmentId, state);
      return current(departmentId);
    },

    current,

    /** The seq the department's line is current to, or undefined when it is not kept. */
    seqOf: (departmentId: string): number | undefined => states.get(departmentId)?.seq,
  };
}

export type LineModel = ReturnType<typeof createLineModel>;
