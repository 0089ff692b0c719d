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
    /** `otp`: the second step, after the server answered OTP_REQUIRED (a code of the app, or a recovery code). */
    mutationFn: (input: { email: string; password: string; otp?: string }) => post<SessionResponse>('/auth/login', input),
    onSuccess: (session, input) => {
      csrfToken.set(session.csrfToken);
      // Enough to route by at once; /auth/me, read again a moment later, says the rest (departments, 2FA).
      client.setQueryData(authKeys.me, {
        ...session.user,
        ...(session.passwordChangeRequired && { passwordChangeRequired: true }),
        ...(session.mfaEnrolmentRequired && { mfaEnrolmentRequired: true }),
        twoFactorEnabled: input.otp !== undefined,
      });
      void client.invalidateQueries({ queryKey: authKeys.me });
    },
  });
}

/** After this tab's session ended: nothing it knew is kept, and it is signed out. */
export function forgetSession(client: QueryClient): void {
  csrfToken.clear();
  // The signed-in user's query stays (as null), so the screens watching it see the sign-out and go to
  // the sign-in page; clear() would drop it from under them and they would keep showing the old user.
  client.setQueryData(authKeys.me, null);
  client.removeQueries({ predicate: (query) => !(query.queryKey[0] === authKeys.me[0] && query.queryKey[1] === authKeys.me[1]) });
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => post<void>('/auth/logout'),
    onSettled: () => forgetSession(client),
  });
}

/** The server asks for the second factor: the sign-in form shows its second step. */
export const needsOtp = (error: unknown): boolean => error instanceof ApiError && error.code === 'OTP_REQUIRED';

/** Where each role lands after signing in. */
export const HOME_OF: Record<Role, string> = {
  admin: '/admin',
  receptionist: '/reception',
  doctor: '/counter',
  display: '/display',
  kiosk: '/kiosk',
};
