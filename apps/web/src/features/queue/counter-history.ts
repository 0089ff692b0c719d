import type { CounterAction } from '@smart-token/contracts';
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { get } from '../../lib/api';

export const counterKeys = {
  all: ['counter'] as const,
  counter: (counterId: string) => ['counter', counterId] as const,
  lastAction: (counterId: string) => ['counter', counterId, 'last-action'] as const,
  recent: (counterId: string) => ['counter', counterId, 'recent'] as const,
};

const path = (id: string) => encodeURIComponent(id);

/**
 * The counter's last change that undo can still reverse, as the server's history has it: the same
 * after a reload, on another screen of the counter, or after a colleague's undo.
 */
export const useLastAction = (counterId: string) =>
  useQuery({ queryKey: counterKeys.lastAction(counterId), queryFn: () => get<CounterAction | null>(`/counters/${path(counterId)}/last-action`) });

/** Patients this counter finished lately, latest first, each as it is now. */
export const useRecentlyServed = (counterId: string) =>
  useQuery({ queryKey: counterKeys.recent(counterId), queryFn: () => get<CounterAction[]>(`/counters/${path(counterId)}/recent`) });

/** Both reads again: after this console acted, or after any change in the department (another screen may have). */
export const refreshCounterHistory = (client: QueryClient, counterId: string) => client.invalidateQueries({ queryKey: counterKeys.counter(counterId) });

export function useRefreshCounterHistory(counterId: string): () => void {
  const client = useQueryClient();
  return useCallback(() => void refreshCounterHistory(client, counterId), [client, counterId]);
}
