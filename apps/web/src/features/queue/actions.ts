import type { IssueTokenBody, Token } from '@smart-token/contracts';
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useCallback, useRef } from 'react';
import { ApiError, idempotencyKey, post } from '../../lib/api';
import { patchQueues, queueKeys, refetchQueueSoon } from './queue';

/** How often a request the server never answered is sent again (same Idempotency-Key, so safe). */
const MAX_UNANSWERED_RETRIES = 2;
const retryUnanswered = (count: number, error: Error) => !(error instanceof ApiError) && count < MAX_UNANSWERED_RETRIES;

const path = (id: string) => encodeURIComponent(id);

/**
 * One Idempotency-Key per user action. Sending the same request again after it failed (the user
 * presses the button again because the Wi-Fi dropped) reuses the key, so the server answers with
 * what it already did instead of doing it twice; a success or a different request takes a new key.
 */
export function useIdempotencyKey() {
  const pending = useRef<{ fingerprint: string; key: string } | null>(null);
  const keyFor = useCallback((fingerprint: string) => {
    if (pending.current?.fingerprint !== fingerprint) pending.current = { fingerprint, key: idempotencyKey() };
    return pending.current.key;
  }, []);
  const done = useCallback(() => {
    pending.current = null;
  }, []);
  return { keyFor, done };
}

export type IssuedToken = Token & { statusUrl?: string; statusKey?: string };

export function useIssueToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ body, key }: { body: IssueTokenBody; key: string }) => post<IssuedToken>('/tokens', body, { 'Idempotency-Key': key }),
    retry: retryUnanswered,
    // The queue cache is no place for the patient's status key: it stays with the ticket.
    onSuccess: ({ statusKey: _statusKey, statusUrl: _statusUrl, ...token }) => patchQueues(client, token, 'issued'),
  });
}

/** After a refused or lost action the queue on screen is suspect (someone else moved first): it is read again. */
const refetchOnFailure = (client: QueryClient) => (_error: Error, input: { departmentId: string }) => refetchQueueSoon(client, input.departmentId);

export function useCallNext() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ counterId, key }: { counterId: string; departmentId: string; key: string }) =>
      post<{ token: Token | null }>(`/counters/${path(counterId)}/call-next`, undefined, { 'Idempotency-Key': key }),
    // The same variables, so the same key: a retry the server already did is answered, not done again.
    retry: retryUnanswered,
    onSuccess: ({ token }) => token && patchQueues(client, token, 'changed'),
    onError: refetchOnFailure(client),
  });
}

/** What `POST /counters/:id/complete-and-call-next` answers (API.md): either may be null. */
export interface CompleteAndCallNextResult {
  completed: Token | null;
  token: Token | null;
}

/**
 * "Complete and call next" as one request, which the server does whole or not at all: the counter's
 * current patient is finished (or sent on to `nextDepartmentId`) and the next one called.
 */
export function useCompleteAndCallNext() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ counterId, nextDepartmentId, key }: { counterId: string; departmentId: string; nextDepartmentId?: string; key: string }) =>
      post<CompleteAndCallNextResult>(`/counters/${path(counterId)}/complete-and-call-next`, nextDepartmentId ? { nextDepartmentId } : {}, { 'Idempotency-Key': key }),
    retry: retryUnanswered,
    onSuccess: ({ completed, token }) => {
      for (const changed of [completed, token]) {
        if (!changed) continue;
        patchQueues(client, changed, 'changed');
        void client.invalidateQueries({ queryKey: queueKeys.token(changed.id) });
      }
    },
    onError: refetchOnFailure(client),
  });
}

export type TokenAction = 'call' | 'recall' | 'start' | 'complete' | 'transfer' | 'park' | 'no-show' | 'cancel' | 'undo';

export interface TokenActionInput {
  tokenId: string;
  /** Where the token waits or stands now: its queue is read again if the action fails. */
  departmentId: string;
  action: TokenAction;
  body?: { counterId: string } | { nextDepartmentId?: string } | { departmentId: string };
}

/** Every other transition of a token. Not retried by itself: a recall sent twice would count twice. */
export function useTokenAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ tokenId, action, body }: TokenActionInput) => post<{ token: Token }>(`/tokens/${path(tokenId)}/${action}`, body),
    onSuccess: ({ token }) => patchQueues(client, token, 'changed'),
    onError: refetchOnFailure(client),
    onSettled: (_data, _error, input) => void client.invalidateQueries({ queryKey: queueKeys.token(input.tokenId) }),
  });
}
