import type { IssueTokenBody, Token } from '@smart-token/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef } from 'react';
import { ApiError, idempotencyKey, post } from '../../lib/api';
import { queueKeys } from './queue';

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
    onSuccess: (token) => void client.invalidateQueries({ queryKey: queueKeys.department(token.departmentId) }),
  });
}

const callNext = (counterId: string, key: string) =>
  post<{ token: Token | null }>(`/counters/${path(counterId)}/call-next`, undefined, { 'Idempotency-Key': key });

/** Retries a call-next the server never answered, with the same key. */
async function callNextWithRetry(counterId: string, key: string): Promise<{ token: Token | null }> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await callNext(counterId, key);
    } catch (error) {
      if (!retryUnanswered(attempt, error as Error)) throw error;
    }
  }
}

export function useCallNext() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ counterId, key }: { counterId: string; key: string }) => callNextWithRetry(counterId, key),
    onSuccess: () => void client.invalidateQueries({ queryKey: queueKeys.all }),
  });
}

/** "Complete and call next" as one click: the current patient is finished (or sent on), then the next is called. */
export function useCompleteAndCallNext() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ tokenId, nextDepartmentId, counterId, key }: { tokenId: string; nextDepartmentId?: string; counterId: string; key: string }) => {
      const completed = await post<{ token: Token }>(`/tokens/${path(tokenId)}/complete`, nextDepartmentId ? { nextDepartmentId } : undefined);
      const called = await callNextWithRetry(counterId, key);
      return { completed: completed.token, called: called.token };
    },
    onSettled: () => void client.invalidateQueries({ queryKey: queueKeys.all }),
  });
}

export type TokenAction = 'call' | 'recall' | 'start' | 'complete' | 'transfer' | 'park' | 'no-show' | 'cancel' | 'undo';

export interface TokenActionInput {
  tokenId: string;
  action: TokenAction;
  body?: { counterId: string } | { nextDepartmentId?: string } | { departmentId: string };
}

/** Every other transition of a token. Not retried by itself: a recall sent twice would count twice. */
export function useTokenAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ tokenId, action, body }: TokenActionInput) => post<{ token: Token }>(`/tokens/${path(tokenId)}/${action}`, body),
    onSettled: (_data, _error, input) => {
      void client.invalidateQueries({ queryKey: queueKeys.all });
      void client.invalidateQueries({ queryKey: queueKeys.token(input.tokenId) });
    },
  });
}
