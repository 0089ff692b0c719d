import type { DepartmentEvent, LiveClientMessage, Queue, Token, TokenWithHistory } from '@smart-token/contracts';
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useEffectEvent, useState } from 'react';
import { get } from '../../lib/api';
import { connectLive, type LiveState } from '../../lib/live';
import { queueWithToken, type Arrival } from './queue-cache';

export const queueKeys = {
  all: ['queue'] as const,
  department: (departmentId: string) => ['queue', departmentId] as const,
  tokens: ['token'] as const,
  token: (tokenId: string) => ['token', tokenId] as const,
};

/**
 * Call order also moves with the clock (a normal token that has waited too long moves up, and its
 * reason changes) with no event to say so: a queue on screen is read again this often regardless.
 */
const QUEUE_REFRESH_MS = 60_000;

export const useQueue = (departmentId: string | undefined) =>
  useQuery({
    queryKey: queueKeys.department(departmentId ?? ''),
    queryFn: () => get<Queue>(`/departments/${encodeURIComponent(departmentId!)}/queue`),
    enabled: Boolean(departmentId),
    refetchInterval: QUEUE_REFRESH_MS,
  });

export const useToken = (tokenId: string | undefined) =>
  useQuery({
    queryKey: queueKeys.token(tokenId ?? ''),
    queryFn: () => get<TokenWithHistory>(`/tokens/${encodeURIComponent(tokenId!)}`),
    enabled: Boolean(tokenId),
  });

/** However many events arrive, a department's queue is fetched again at most once in this long. */
export const REFETCH_COALESCE_MS = 250;

const refetchers = new WeakMap<QueryClient, (departmentId: string) => void>();

/**
 * Asks for a department's queue again a moment from now; the asks of that moment (a burst of events
 * from a busy morning, several screens' worth) become one request. Only queues on screen refetch.
 */
export function refetchQueueSoon(client: QueryClient, departmentId: string): void {
  let refetch = refetchers.get(client);
  if (!refetch) {
    const pending = new Set<string>();
    refetch = (id) => {
      if (pending.has(id)) return;
      pending.add(id);
      setTimeout(() => {
        pending.delete(id);
        void client.invalidateQueries({ queryKey: queueKeys.department(id), exact: true });
      }, REFETCH_COALESCE_MS);
    };
    refetchers.set(client, refetch);
  }
  refetch(departmentId);
}

/**
 * Puts a token's new state into every cached queue it concerns (the department it is in now, and any
 * that still lists it), without a request where the change is exact (queue-cache.ts); otherwise that
 * queue is fetched again soon. A patch made while a fetch is under way is followed by another fetch,
 * since the answer on its way may predate the change.
 */
export function patchQueues(client: QueryClient, token: Token, arrival: Arrival, onlyDepartmentId?: string): void {
  for (const [key, queue] of client.getQueriesData<Queue>({ queryKey: queueKeys.all })) {
    const departmentId = key[1];
    if (typeof departmentId !== 'string' || (onlyDepartmentId !== undefined && departmentId !== onlyDepartmentId)) continue;
    const listed = queue !== undefined && [queue.waiting, queue.called, queue.serving, queue.parked].some((list) => list.some((t) => t.id === token.id));
    if (!listed && token.departmentId !== departmentId && onlyDepartmentId === undefined) continue;
    const next = queue && queueWithToken(queue, departmentId, token, arrival);
    if (next) client.setQueryData(key, next);
    const fetching = client.isFetching({ queryKey: key, exact: true }) > 0;
    if ((queue && !next) || fetching) refetchQueueSoon(client, departmentId);
  }
}

/**
 * Keeps the queues of these departments live: each pushed event is patched into the cached queue
 * (or, when only the server can place the token, that queue is fetched again, coalesced), and the
 * token's own details are refreshed where a screen shows them. Each (re)subscription and resync
 * reloads the department's queue. Returns the connection state for a badge.
 */
export function useLiveDepartments(departmentIds: string[], onChange?: (event: DepartmentEvent | null) => void): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  /** Told of each event, and (null) of each (re)subscription or resync, when no event says what changed. */
  const changed = useEffectEvent((event: DepartmentEvent | null) => onChange?.(event));
  const key = departmentIds.join(',');
  useEffect(() => {
    const ids = key ? key.split(',') : [];
    if (ids.length === 0) return;
    const subscriptions: LiveClientMessage[] = ids.map((departmentId) => ({ action: 'subscribe', topic: 'department', departmentId }));
    const reload = (departmentId: string) => void client.invalidateQueries({ queryKey: queueKeys.department(departmentId), exact: true });
    const live = connectLive(subscriptions, {
      onState: setState,
      // Whatever happened before the subscription took (or while the socket was down) is in no event.
      onSubscribed: (departmentId) => {
        reload(departmentId);
        changed(null);
      },
      onEvent: (event) => {
        changed(event);
        const token = event.token;
        if (!('id' in token)) return refetchQueueSoon(client, event.departmentId);
        patchQueues(client, token, event.type === 'token.issued' ? 'issued' : 'changed', event.departmentId);
        void client.invalidateQueries({ queryKey: queueKeys.token(token.id) });
      },
      onResync: (departmentId) => {
        reload(departmentId);
        changed(null);
        void client.invalidateQueries({ queryKey: queueKeys.tokens });
      },
    });
    return () => live.close();
  }, [key, client]);
  return state;
}
