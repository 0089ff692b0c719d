import type { Board, DepartmentEvent, LiveClientMessage } from '@smart-token/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useEffectEvent, useMemo, useRef, useState } from 'react';
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
}

export const boardKeys = {
  all: ['board'] as const,
  board: (departmentId: string, privacy: Privacy) => ['board', departmentId, privacy] as const,
};

const RECENT_KEPT = 10;
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
export function sanitizeBoard(board: BoardState, privacy: Privacy): BoardState {
  return {
    departmentName: board.departmentName,
    nowServing: board.nowServing.map((c) => call(c, privacy)),
    next: board.next.map((n) => ({ number: n.number, ...(privacy === 'initials' && n.initials && { initials: n.initials }) })),
    recent: board.recent.map((c) => call(c, 'token')),
  };
}

/** The board as the server draws it for this privacy profile, kept to display-safe fields. */
export async function fetchBoard(departmentId: string, privacy: Privacy): Promise<BoardState> {
  const board = await get<Board>(`/departments/${encodeURIComponent(departmentId)}/board?privacy=${privacy}`);
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
      nowServing: [entry, ...without(state.nowServing)],
      next: without(state.next),
      recent: [{ number, counterName: entry.counterName, calledAt }, ...state.recent].slice(0, RECENT_KEPT),
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
  const query = useQuery({ queryKey: key, queryFn: () => fetchBoard(departmentId, privacy), staleTime: 30_000 });
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
            .fetchQuery({ queryKey: key, queryFn: () => fetchBoard(departmentId, privacy), staleTime: 0 })
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
  }, [departmentId, privacy, key, loaded, generation, client]);

  return { query, live };
}
