import type { ChangePasswordBody, RecoveryCodes, SessionInfo, StaffUser, TwoFactorSetup } from '@smart-token/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get, post } from '../../lib/api';
import { authKeys, forgetSession } from '../auth/auth';
import { userKeys } from '../users/users';

/** My sessions (Security page) and an admin's actions on other users' security. */
export const securityKeys = { mine: ['security', 'sessions'] as const };

export const useMySessions = () => useQuery({ queryKey: securityKeys.mine, queryFn: () => get<SessionInfo[]>('/auth/sessions') });

export function useEndSession() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/auth/sessions/${encodeURIComponent(id)}`),
    onSuccess: () => void client.invalidateQueries({ queryKey: securityKeys.mine }),
  });
}

/** Ends every session of mine, this one too: the screen goes back to the sign-in page. */
export function useLogoutEverywhere() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => post<void>('/auth/logout-all'),
    onSuccess: () => forgetSession(client),
  });
}

export function useChangePassword() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ChangePasswordBody) => post<void>('/auth/password', body),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: authKeys.me });
      void client.invalidateQueries({ queryKey: securityKeys.mine });
    },
  });
}

/** Starts (or restarts) two-step sign-in: a new secret for the authenticator app; nothing is on until enabled. */
export const useTwoFactorSetup = () => useMutation({ mutationFn: () => post<TwoFactorSetup>('/auth/2fa/setup') });

/** Turns two-step sign-in on with a code of the app: the recovery codes come back this once. My other sessions end. */
export function useEnableTwoFactor() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (otp: string) => post<RecoveryCodes>('/auth/2fa/enable', { otp }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: authKeys.me });
      void client.invalidateQueries({ queryKey: securityKeys.mine });
    },
  });
}

/** An admin's action on one user: each refreshes the list of users (disabled, locked). */
export function useUserAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ user, action }: { user: StaffUser; action: 'disable' | 'enable' | 'unlock' | 'reset' | 'endSessions' }) => {
      const id = encodeURIComponent(user.id);
      switch (action) {
        case 'disable':
        case 'enable':
          await api('PATCH', `/users/${id}`, { disabled: action === 'disable' });
          return undefined;
        case 'unlock':
          await post(`/users/${id}/unlock`);
          return undefined;
        case 'endSessions':
          await api('DELETE', `/users/${id}/sessions`);
          return undefined;
        case 'reset':
          return (await post<{ temporaryPassword: string }>(`/users/${id}/reset-password`)).temporaryPassword;
      }
    },
    onSuccess: () => void client.invalidateQueries({ queryKey: userKeys.all }),
  });
}
