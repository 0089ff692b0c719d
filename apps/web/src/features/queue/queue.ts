import type { DepartmentEvent, LiveClientMessage, Queue, Token } from '@smart-token/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { get } from '../../lib/api';
import { connectLive, type LiveState } from '../../lib/live';

export const queueKeys = {
  all: ['queue'] as const,
  department: (departmentId: string) => ['queue', departmentId] as const,
  token: (tokenId: string) => ['token', tokenId] as const,
};

export const useQueue = (departmentId: string | undefined) =>
  useQuery({
    queryKey: queueKeys.department(departmentId ?? ''),
    queryFn: () => get<Queue>(`/departments/${encodeURIComponent(departmentId!)}/queue`),
    enabled: Boolean(departmentId),
  });

export const useToken = (tokenId: string | undefined) =>
  useQuery({
    queryKey: queueKeys.token(tokenId ?? ''),
    queryFn: () => get<Token & { history: { action: string; at: string; by: string; toStatus: string; departmentId: string; reason?: string }[] }>(`/tokens/${encodeURIComponent(tokenId!)}`),
    enabled: Boolean(tokenId),
  });

/**
 * Keeps the queries of these departments live: every pushed event refetches the department's queue
 * (and the token it names), and a resync reloads everything. Returns the connection state for a badge.
 */
export function useLiveDepartments(departmentIds: string[], onEvent?: (event: DepartmentEvent) => void): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  const latest = useRef(onEvent);
  latest.current = onEvent;
  const key = departmentIds.join(',');
  useEffect(() => {
    if (departmentIds.length === 0) return;
    const subscriptions: LiveClientMessage[] = departmentIds.map((departmentId) => ({ action: 'subscribe', topic: 'department', departmentId }));
    const live = connectLive(subscriptions, {
      onState: (s) => {
        setState(s);
        if (s === 'open') void client.invalidateQueries({ queryKey: queueKeys.all });
      },
      onEvent: (event) => {
        void client.invalidateQueries({ queryKey: queueKeys.department(event.departmentId) });
        if ('id' in event.token) void client.invalidateQueries({ queryKey: queueKeys.token(event.token.id) });
        latest.current?.(event);
      },
      onResync: () => void client.invalidateQueries(),
    });
    return () => live.close();
  }, [key]);
  return state;
}
