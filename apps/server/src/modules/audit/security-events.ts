import type { SecurityEvent, SecurityEventType } from '../auth/security-log.js';
import type { AuditEntryInput, AuditEventType, AuditOutcome } from './audit.js';

/**
 * Left to others: `device.used` fires on every request of a board or kiosk and says nothing a person
 * would look for in the trail; `user.updated` and the devices' creation and revocation are recorded by
 * their services in the change's transaction.
 */
const NOT_AUDITED = ['device.used', 'user.updated', 'device.created', 'device.revoked'] as const satisfies readonly SecurityEventType[];
type Audited = Exclude<SecurityEventType, (typeof NOT_AUDITED)[number]>;
const isAudited = (type: SecurityEventType): type is Audited => !(NOT_AUDITED as readonly string[]).includes(type);

/** The security log's events as the audit trail records them. */
const AS_AUDIT: Record<Audited, { type: AuditEventType; outcome: AuditOutcome }> = {
  'login.succeeded': { type: 'auth.login.succeeded', outcome: 'success' },
  'login.failed': { type: 'auth.login.failed', outcome: 'failure' },
  'login.locked': { type: 'auth.login.locked', outcome: 'denied' },
  'refresh.reused': { type: 'auth.refresh.reused', outcome: 'denied' },
  'session.ended': { type: 'auth.session.ended', outcome: 'success' },
  'sessions.ended': { type: 'auth.session.ended', outcome: 'success' },
  'password.changed': { type: 'auth.password.changed', outcome: 'success' },
  'password.reset': { type: 'auth.password.reset', outcome: 'success' },
  'account.unlocked': { type: 'auth.account.unlocked', outcome: 'success' },
  'device.paired': { type: 'admin.device.paired', outcome: 'success' },
  'device.refused': { type: 'security.device.refused', outcome: 'denied' },
  '2fa.enrolled': { type: 'auth.2fa.enrolled', outcome: 'success' },
  '2fa.failed': { type: 'auth.2fa.failed', outcome: 'failure' },
  '2fa.recovery-used': { type: 'auth.2fa.recovery-used', outcome: 'success' },
  '2fa.reset': { type: 'auth.2fa.reset', outcome: 'success' },
  'input.suspicious': { type: 'security.input.suspicious', outcome: 'denied' },
};

/** The audit entry for a security event, or undefined for one the trail does not keep. */
export function auditEntryOfSecurityEvent(event: SecurityEvent): AuditEntryInput | undefined {
  if (!isAudited(event.type)) return undefined;
  const { type, outcome } = AS_AUDIT[event.type];
  const loggedOut = event.type === 'session.ended' && event.reason === 'logout';
  const actorId = event.actorId ?? event.userId;
  return {
    type: loggedOut ? 'auth.logout' : type,
    action: event.type,
    outcome,
    actor: event.deviceId && !event.actorId ? { kind: 'device', id: event.deviceId } : actorId ? { kind: 'user', id: actorId } : { kind: 'anonymous' },
    ...(event.userId && { subject: { kind: 'user' as const, id: event.userId } }),
    ...(event.deviceId && event.actorId && { subject: { kind: 'device' as const, id: event.deviceId } }),
    ...(event.context && { ip: event.context.ip, requestId: event.context.requestId }),
    details: {
      ...(event.sessionId && { sessionId: event.sessionId }),
      ...(event.reason && { reason: event.reason }),
      ...(event.context?.userAgent && { userAgent: event.context.userAgent.slice(0, 200) }),
    },
  };
}
