/**
 * The browser cookies a staff session and a paired screen ride on, named and flagged in one place
 * (issue 14 item 3). Served over HTTPS they carry the prefixes browsers enforce: `__Host-` (Secure,
 * Path=/, no Domain: no subdomain can set or read them) and, for the refresh cookie that only
 * `/api/v1/auth` may see, `__Secure-`. Always HttpOnly and SameSite=Strict; no Domain ever.
 */
export interface Cookies {
  readonly access: string;
  readonly refresh: string;
  readonly device: string;
  /** The flags a cookie is set and cleared with (a clear must match the path it was set on). */
  flags(path: string, maxAgeSeconds?: number): { httpOnly: true; sameSite: 'strict'; secure: boolean; path: string; maxAge?: number };
}

/** Where the refresh cookie is sent: the refresh and logout routes, nothing else. */
export const REFRESH_COOKIE_PATH = '/api/v1/auth';

export function cookiesFor(secure: boolean): Cookies {
  return {
    access: secure ? '__Host-st_access' : 'st_access',
    refresh: secure ? '__Secure-st_refresh' : 'st_refresh',
    device: secure ? '__Host-st_device' : 'st_device',
    flags: (path, maxAgeSeconds) => ({ httpOnly: true, sameSite: 'strict', secure, path, ...(maxAgeSeconds !== undefined && { maxAge: maxAgeSeconds }) }),
  };
}
