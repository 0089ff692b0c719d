/**
 * Security events: sign-ins, locks, refresh-token reuse, sessions ended, password changes, 2FA enrolment and failures. Each goes
 * to the security log with who, from where and which request; the audit trail (issue 16) will take
 * the same events through this one interface.
 */
export type SecurityEventType =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.locked'
  | 'refresh.reused'
  | 'session.ended'
  | 'sessions.ended'
  | 'password.changed'
  | 'password.reset'
  | 'account.unlocked'
  | 'user.updated'
  | 'device.created'
  | 'device.revoked'
  | 'device.paired'
  | 'device.refused'
  | 'device.used'
  | '2fa.enrolled'
  | '2fa.failed'
  | '2fa.recovery-used'
  | '2fa.reset'
  | 'input.suspicious';

export interface RequestContext {
  ip: string;
  userAgent: string | undefined;
  requestId: string;
}

export interface SecurityEvent {
  type: SecurityEventType;
  /** The account concerned (its id, when known). */
  userId?: string;
  /** Who acted, when not the account itself (an admin). */
  actorId?: string;
  sessionId?: string;
  /** The board or kiosk concerned (device events). */
  deviceId?: string;
  /** Why a session ended, what changed. */
  reason?: string;
  context?: RequestContext;
}

export interface SecurityLog {
  record(event: SecurityEvent): void;
}

/** Keeps events in memory: for tests, and for tools that run without a log. */
export function memorySecurityLog(): SecurityLog & { events: SecurityEvent[] } {
  const events: SecurityEvent[] = [];
  return { events, record: (event) => void events.push(event) };
}

/** A short name for the device a session signed in from, made from its user agent. */
export function deviceLabel(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  const browser = [
    [/Edg\//, 'Edge'],
    [/OPR\//, 'Opera'],
    [/Firefox\//, 'Firefox'],
    [/Chrome\//, 'Chrome'],
    [/Safari\//, 'Safari'],
  ].find(([pattern]) => (pattern as RegExp).test(userAgent))?.[1] as string | undefined;
  const system = [
    [/Android/, 'Android'],
    [/iPhone|iPad|iOS/, 'iOS'],
    [/Windows/, 'Windows'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/CrOS/, 'ChromeOS'],
    [/Linux/, 'Linux'],
  ].find(([pattern]) => (pattern as RegExp).test(userAgent))?.[1] as string | undefined;
  if (browser && system) return `${browser} on ${system}`;
  if (browser ?? system) return (browser ?? system)!;
  return userAgent.split(/[\s/]/, 1)[0]!.slice(0, 40) || 'Unknown device';
}
