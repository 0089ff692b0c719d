import type { Problem, SessionResponse } from '@smart-token/contracts';

/** An API error as the server sent it (problem+json): `code` to branch on, `detail` to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

const CSRF_KEY = 'smart-token.csrf';
export const csrfToken = {
  get: (): string | null => localStorage.getItem(CSRF_KEY),
  set: (value: string) => localStorage.setItem(CSRF_KEY, value),
  clear: () => localStorage.removeItem(CSRF_KEY),
};

async function parse<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  const body: unknown = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const p = (typeof body === 'object' && body !== null ? body : {}) as Partial<Problem>;
    throw new ApiError(res.status, p.code ?? 'HTTP_ERROR', p.detail ?? `The server answered ${res.status}.`, p.errors ?? []);
  }
  return body as T;
}

async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const csrf = csrfToken.get();
  return fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(csrf && method !== 'GET' && { 'x-csrf-token': csrf }),
      ...headers,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

let refreshing: Promise<boolean> | undefined;

/** One refresh at a time: the refresh token is spent on use, so parallel refreshes would end the session. */
async function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const res = await send('POST', '/auth/refresh');
      if (!res.ok) return false;
      const session = (await res.json()) as SessionResponse;
      csrfToken.set(session.csrfToken);
      return true;
    } finally {
      setTimeout(() => (refreshing = undefined), 0);
    }
  })();
  return refreshing;
}

/** Calls the API with the session cookie; an expired access token is refreshed once and the call retried. */
export async function api<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  let res = await send(method, path, body, headers);
  if (res.status === 401 && !path.startsWith('/auth/') && (await refreshSession())) res = await send(method, path, body, headers);
  return parse<T>(res);
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown, headers?: Record<string, string>) => api<T>('POST', path, body, headers);
export const patch = <T>(path: string, body?: unknown) => api<T>('PATCH', path, body);

/** A fresh key per user action: a retry of the same click is recognised by the server, a new click is not. */
export const idempotencyKey = (): string => crypto.randomUUID();
