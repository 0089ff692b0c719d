import { ACTIVE_STATUSES, canTransition, type Department, type ReprintedToken, type Token, type TokenSearchResponse, type TokenStatus } from '@smart-token/contracts';
import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { post } from '../../lib/api';
import { patientKeys } from '../patients/patients';
import { patchQueues, queueKeys, refetchQueueSoon } from '../queue/queue';

const SEARCH_DEBOUNCE_MS = 250;
/** However many queues change at once (a busy morning), the search on screen is asked again at most this often. */
const SEARCH_REFRESH_COALESCE_MS = 400;

const QUEUE_HASH_PREFIX = JSON.stringify(queueKeys.all).slice(0, -1);

export const receptionKeys = {
  searches: ['reception', 'search'] as const,
  search: (query: string) => ['reception', 'search', query.trim()] as const,
};

const path = (id: string) => encodeURIComponent(id);

export const isActive = (status: TokenStatus): boolean => (ACTIVE_STATUSES as readonly TokenStatus[]).includes(status);
export const canCancel = (status: TokenStatus): boolean => canTransition(status, 'cancel');
export const canMove = (status: TokenStatus): boolean => canTransition(status, 'transfer');

/** A department to issue in: active ones only (an admin may have switched one off). */
export const issuable = (departments: Department[]): Department[] => departments.filter((d) => d.active !== false);

/**
 * Reception's department for a new visit: the admin's entry desk (registration/OPD), else this
 * desk's last choice, else none (the receptionist is asked; a token never goes to a guessed department).
 */
export function defaultDepartmentId(departments: Department[], remembered: string | null): string {
  const entry = departments.find((d) => d.isEntry);
  if (entry) return entry.id;
  if (remembered && departments.some((d) => d.id === remembered)) return remembered;
  return '';
}

/**
 * Today's tokens matching what the receptionist types (number, phone, name), once they pause. The
 * query travels in a POST body: it may hold phone digits, which never go in a URL. Results follow
 * the queues live: when any queue on screen changes, the search is asked again (coalesced).
 */
export function useTokenSearch(query: string) {
  const client = useQueryClient();
  const [settled, setSettled] = useState(query);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(query), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query]);
  const text = settled.trim();
  const enabled = text.length > 0 && settled === query;

  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = client.getQueryCache().subscribe((event) => {
      // A queue's hash is its key as JSON: ["queue","<department id>"].
      const hash: string = event.query.queryHash;
      if (event.type !== 'updated' || !hash.startsWith(QUEUE_HASH_PREFIX) || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        void client.invalidateQueries({ queryKey: receptionKeys.searches });
      }, SEARCH_REFRESH_COALESCE_MS);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [client, enabled]);

  return useQuery({
    queryKey: receptionKeys.search(text),
    queryFn: () => post<TokenSearchResponse>('/tokens/search', { query: text }),
    enabled,
    retry: false,
    // While the next query waits for the pause and its answer, the results on screen stay: they no
    // longer blink away at each keystroke, closing a menu the receptionist opened on one of them.
    placeholderData: keepPreviousData,
  });
}

/** After a token changed here: the queues it is in, its details, the searches and phone lookups that list it. */
function changed(client: QueryClient, token: Token): void {
  patchQueues(client, token, 'changed');
  void client.invalidateQueries({ queryKey: queueKeys.token(token.id) });
  void client.invalidateQueries({ queryKey: receptionKeys.searches });
  void client.invalidateQueries({ queryKey: patientKeys.all });
}

/** A new ticket: a new status key and link (the old one stops working), recorded in the history. */
export function useReprint() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (token: Pick<Token, 'id'>) => post<ReprintedToken>(`/tokens/${path(token.id)}/reprint`),
    onSuccess: (token) => void client.invalidateQueries({ queryKey: queueKeys.token(token.id) }),
  });
}

export function useCancelToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ token, reason }: { token: Token; reason: string }) =>
      post<{ token: Token }>(`/tokens/${path(token.id)}/cancel`, reason.trim() ? { reason: reason.trim() } : undefined),
    onSuccess: ({ token }) => changed(client, token),
    onError: (_error, { token }) => refetchQueueSoon(client, token.departmentId),
  });
}

/** Moves the token to another department's line with the same number (the queue's transfer). */
export function useMoveToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ token, departmentId }: { token: Token; departmentId: string }) => post<{ token: Token }>(`/tokens/${path(token.id)}/transfer`, { departmentId }),
    onSuccess: ({ token }) => changed(client, token),
    onError: (_error, { token }) => refetchQueueSoon(client, token.departmentId),
  });
}
