import type { BoardView, DepartmentEvent, EstimatedWait, LiveClientMessage } from '@smart-token/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useEffectEvent, useMemo, useRef, useState } from 'react';
import { get } from '../../lib/api';
import { connectLive, type LiveState } from '../../lib/live';

/** How much a board shows of a patient: the number only, or the number and initials. */
export type Privacy = 'token' | 'initials';

export interface BoardCall {
  number: string;
  counterName: string;
  calledAt: string;
  initials?: string;
}
export interface BoardNext {
  number: string;
  initials?: string;
}
/** What the board draws: nothing else about a patient ever reaches the screen's state. */
export interface BoardState {
  departmentName: string;
  nowServing: BoardCall[];
  next: BoardNext[];
  recent: BoardCall[];
  /** Everyone waiting in the department, and what someone arriving now would wait. */
  waitingCount: number;
  typicalWait?: EstimatedWait;
  /** The admin's message along the foot of the board; empty for none. */
  ticker: string;
  /** A tile left unchanged this long fades (0: never). */
  tileFadeMinutes: number;
}

export const boardKeys = {
  all: ['board'] as const,
  board: (departmentId: string, privacy: Privacy) => ['board', departmentId, privacy] as const,
};

const RECENT_KEPT = 10;
const DEFAULT_FADE_MINUTES = 10;
/** A burst of events (a morning rush) costs one reload, not one per event. */
const RELOAD_COALESCE_MS = 1500;
/** Calls older than this (replayed after a reconnect) are shown, not announced: the patient has moved on. */
export const ANNOUNCE_MAX_AGE_MS = 90_000;
const MAX_AUTH_RETRY_MS = 60_000;

const call = (c: BoardCall, privacy: Privacy): BoardCall => ({
  number: c.number,
  counterName: c.counterName,
  calledAt: c.calledAt,
  ...(privacy === 'initials' && c.initials && { initials: c.initials }),
});

/** Keeps only display-safe fields, whatever the server sent: the privacy profile is enforced here too. */
export function sanitizeBoard(board: Omit<BoardState, 'ticker' | 'tileFadeMinutes' | 'waitingCount'> & Partial<Pick<BoardView, 'ticker' | 'tileFadeMinutes' | 'waitingCount'>>, privacy: Privacy): BoardState {
  return {
    departmentName: board.departmentName,
    nowServing: onePerCounter(board.nowServing.map((c) => call(c, privacy))),
    next: board.next.map((n) => ({ number: n.number, ...(privacy === 'initials' && n.initials && { initials: n.initials }) })),
    recent: board.recent.map((c) => call(c, 'token')),
    waitingCount: board.waitingCount ?? board.next.length,
    ...(board.typicalWait && { typicalWait: { minMinutes: board.typicalWait.minMinutes, maxMinutes: board.typicalWait.maxMinutes } }),
    ticker: board.ticker ?? '',
    tileFadeMinutes: board.tileFadeMinutes ?? DEFAULT_FADE_MINUTES,
  };
}

/** One tile per counter, its latest call: a counter that calls again replaces its tile (the list is latest first). */
export function onePerCounter(calls: BoardCall[]): BoardCall[] {
  const seen = new Set<string>();
  return calls.filter((c) => {
    if (!c.counterName) return true;
    if (seen.has(c.counterName)) return false;
    seen.add(c.counterName);
    return true;
  });
}

/** The board as the server draws it for this privacy profile, kept to display-safe fields. */
export async function fetchBoard(departmentId: string, privacy: Privacy): Promise<BoardState> {
  const board = await get<BoardView>(`/departments/${encodeURIComponent(departmentId)}/board?privacy=${privacy}`);
  return sanitizeBoard(board, privacy);
}

const ON_BOARD: ReadonlySet<string> = new Set(['called', 'serving']);

/**
 * The board after one pushed event, so a call shows within the second; the coalesced reload that
 * follows settles what an event cannot say (the order of the waiting line).
 */
export function applyEvent(state: BoardState, event: DepartmentEvent, privacy: Privacy): BoardState {
  const token = event.token;
  const number = token.number;
  const without = <T extends { number: string }>(list: T[]) => list.filter((x) => x.number !== number);
  const counterName = event.counterName ?? ('counterName' in token && typeof token.counterName === 'string' ? token.counterName : undefined);
  const initials = privacy === 'initials' && 'initials' in token && typeof token.initials === 'string' ? token.initials : undefined;
  if (event.type === 'token.called' || event.type === 'token.recalled') {
    const calledAt = token.calledAt ?? event.at;
    const previous = state.nowServing.find((c) => c.number === number);
    const entry: BoardCall = { number, counterName: counterName ?? previous?.counterName ?? '', calledAt, ...(initials && { initials }) };
    return {
      ...state,
      nowServing: onePerCounter([entry, ...without(state.nowServing)]),
      next: without(state.next),
      // Called from the visible head of the line: one fewer waits (the reload that follows settles the rest).
      waitingCount: state.next.some((n) => n.number === number) ? Math.max(0, state.waitingCount - 1) : state.waitingCount,
      recent: [{ number, counterName: entry.counterName, calledAt }, ...state.recent.filter((r) => r.number !== number || r.calledAt !== calledAt)].slice(0, RECENT_KEPT),
    };
  }
  if (ON_BOARD.has(token.status)) {
    return counterName === undefined ? state : { ...state, nowServing: state.nowServing.map((c) => (c.number === number ? { ...c, counterName } : c)) };
  }
  return { ...state, nowServing: without(state.nowServing), next: token.status === 'waiting' ? state.next : without(state.next) };
}

export interface Announcement {
  number: string;
  counterName: string;
  /** When the call happened, for the flash on the tile. */
  at: string;
}

/**
 * The board's data, kept live: loaded once, then moved by pushed events, reloaded after every
 * (re)connect and resync. The last-known state stays on screen while the socket is down.
 */
export function useBoard(departmentId: string, privacy: Privacy, onCall: (call: Announcement) => void) {
  const client = useQueryClient();
  const key = useMemo(() => boardKeys.board(departmentId, privacy), [departmentId, privacy]);
  // No polling: calls come over the live socket, and a change to the ticker, the fade time or the
  // department is pushed by the setup stream (features/setup/setup-live), which reloads this query.
  // A reload answers for the moment it was read: the events that arrive while it travels are
  // applied again to its answer, or a call made meanwhile would vanish until the next reload.
  const eventsDuringReloads = useRef(new Set<DepartmentEvent[]>());
  const load = useCallback(async (): Promise<BoardState> => {
    const during: DepartmentEvent[] = [];
    const reloads = eventsDuringReloads.current;
    reloads.add(during);
    try {
      const board = await fetchBoard(departmentId, privacy);
      return during.reduce((state, event) => applyEvent(state, event, privacy), board);
    } finally {
      reloads.delete(during);
    }
  }, [departmentId, privacy]);
  const query = useQuery({ queryKey: key, queryFn: () => load(), staleTime: Infinity });
  const [live, setLive] = useState<LiveState>('connecting');
  const [generation, setGeneration] = useState(0);
  /** Consecutive sign-in failures of the socket: each waits longer before trying again. */
  const authFailures = useRef(0);
  const announceCall = useEffectEvent(onCall);
  const loaded = query.isSuccess;

  useEffect(() => {
    if (!loaded) return;
    let reloadTimer: ReturnType<typeof setTimeout> | undefined;
    const reload = () => {
      if (reloadTimer) clearTimeout(reloadTimer);
      reloadTimer = undefined;
      void client.invalidateQueries({ queryKey: key });
    };
    const reloadSoon = () => {
      reloadTimer ??= setTimeout(reload, RELOAD_COALESCE_MS);
    };
    const subscribe = {
      action: 'subscribe',
      topic: 'department',
      departmentId,
      ...(privacy === 'initials' && { privacy }),
    } satisfies LiveClientMessage;
    let stale = false;
    const connection = connectLive([subscribe], {
      onState: (state) => {
        setLive(state);
        if (state === 'open') reload();
      },
      onEvent: (event) => {
        authFailures.current = 0;
        if (event.departmentId !== departmentId) return;
        for (const during of eventsDuringReloads.current) during.push(event);
        client.setQueryData<BoardState>(key, (old) => (old ? applyEvent(old, event, privacy) : old));
        reloadSoon();
        if (event.type === 'token.called' || event.type === 'token.recalled') {
          const at = event.at;
          if (Date.now() - Date.parse(at) < ANNOUNCE_MAX_AGE_MS) {
            const counterName = event.counterName ?? ('counterName' in event.token && typeof event.token.counterName === 'string' ? event.token.counterName : '');
            announceCall({ number: event.token.number, counterName, at });
          }
        }
      },
      onResync: reload,
      onError: (code) => {
        if (stale) return;
        if (code === 'UNAUTHENTICATED') {
          // The access cookie ran out while the board slept: a reload refreshes the session, then reconnect.
          stale = true;
          setLive('reconnecting');
          void client
            .fetchQuery({ queryKey: key, queryFn: () => load(), staleTime: 0 })
            .then(
              () => (authFailures.current = 0),
              () => (authFailures.current += 1),
            )
            .finally(() => setTimeout(() => setGeneration((g) => g + 1), Math.min(MAX_AUTH_RETRY_MS, 2000 * 2 ** authFailures.current)));
        }
      },
    });
    return () => {
      stale = true;
      if (reloadTimer) clearTimeout(reloadTimer);
      connection.close();
    };
  }, [departmentId, privacy, key, loaded, generation, client, load]);

  return { query, live };
}
