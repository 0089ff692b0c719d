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

/**
 * The session's CSRF token, held in this module's memory: never in localStorage, where it would
 * outlive the tab and be shared with every other tab and script of the origin for good.
 *
 * A reload empties memory, and the server hands the token out only with a session (login, and a
 * refresh, which itself needs the token when it comes by cookie). So this tab alone keeps a copy
 * in sessionStorage to find it again after a reload: it dies with the tab, is never shared with
 * other tabs, and sign-out (and the server's Clear-Site-Data) removes it. A tab without it must
 * sign in again. Once the server offers the token to a signed-in GET, this copy can go.
 */
const RELOAD_COPY_KEY = 'smart-token.csrf';

function readReloadCopy(): string | null {
  try {
    return sessionStorage.getItem(RELOAD_COPY_KEY);
  } catch {
    // Storage refused (a locked-down kiosk profile): the tab signs in again after a reload.
    return null;
  }
}

function writeReloadCopy(value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(RELOAD_COPY_KEY);
    else sessionStorage.setItem(RELOAD_COPY_KEY, value);
  } catch {
    // As above: memory still holds it for this page.
  }
}

/** Versions before this one kept the token in localStorage: it is taken out of there for good. */
function takeOldLocalCopy(): string | null {
  try {
    const old = localStorage.getItem(RELOAD_COPY_KEY);
    localStorage.removeItem(RELOAD_COPY_KEY);
    return old;
  } catch {
    return null;
  }
}

let csrfInMemory: string | null = readReloadCopy();
const oldLocalCopy = takeOldLocalCopy();
if (csrfInMemory === null && oldLocalCopy !== null) {
  // Upgraded while signed in: this tab stays signed in.
  csrfInMemory = oldLocalCopy;
  writeReloadCopy(oldLocalCopy);
}

export const csrfToken = {
  get: (): string | null => csrfInMemory,
  set: (value: string) => {
    csrfInMemory = value;
    writeReloadCopy(value);
  },
  clear: () => {
    csrfInMemory = null;
    writeReloadCopy(null);
  },
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
