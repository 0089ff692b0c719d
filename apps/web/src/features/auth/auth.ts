import type { Me, Role, SessionResponse } from '@smart-token/contracts';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { ApiError, csrfToken, get, post } from '../../lib/api';

export const authKeys = { me: ['auth', 'me'] as const };

/** The signed-in user, or null when nobody is (a 401 is an answer here, not an error) or this tab cannot act for them. */
export function useMe() {
  return useQuery({
    queryKey: authKeys.me,
    queryFn: async (): Promise<Me | null> => {
      try {
        const user = await get<Me>('/auth/me');
        // Without the session's CSRF token this tab can neither write nor refresh (lib/api): it signs in again.
        return csrfToken.get() ? user : null;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

export function useLogin() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; password: string }) => post<SessionResponse>('/auth/login', input),
    onSuccess: (session) => {
      csrfToken.set(session.csrfToken);
      client.setQueryData(authKeys.me, { ...session.user, ...(session.passwordChangeRequired && { passwordChangeRequired: true }) });
    },
  });
}

/** After this tab's session ended: nothing it knew is kept, and it is signed out. */
export function forgetSession(client: QueryClient): void {
  csrfToken.clear();
  client.clear();
  client.setQueryData(authKeys.me, null);
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => post<void>('/auth/logout'),
    onSettled: () => forgetSession(client),
  });
}

/** Where each role lands after signing in. */
export const HOME_OF: Record<Role, string> = {
  admin: '/admin',
  receptionist: '/reception',
  doctor: '/counter',
  display: '/display',
  kiosk: '/kiosk',
};
