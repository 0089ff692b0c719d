import type { Role } from '@smart-token/contracts';
import { ADMIN_ONLY, ANY_STAFF, BOARD_VIEWERS, QUEUE_STAFF } from './roles.js';

/** Reception and admins look patients up; the phone travels in the body, never in a URL. */
const PATIENT_SEARCHERS: readonly Role[] = ['admin', 'receptionist'];
/** Every screen that takes a phone number: reception, admin, the counter, the kiosk. */
const PHONE_FORMS: readonly Role[] = ['admin', 'receptionist', 'doctor', 'kiosk'];
/** People who sign in with a password (devices have keys, not passwords or second factors). */
const PEOPLE: readonly Role[] = ['admin', 'receptionist', 'doctor'];
/** Who prints the waiting area's check-in QR code. */
const FRONT_DESK: readonly Role[] = ['admin', 'receptionist'];

/**
 * Who may call what: every staff route, as `METHOD /path` exactly as Fastify spells the route's url,
 * and the roles allowed. The auth plugin enforces this table and nothing else (a route's own
 * `config.roles` is ignored); a /api/v1 route that is neither here nor public refuses to start.
 * The OpenAPI document and `npm run cli -- roles` print it.
 */
export const ROLE_MATRIX: Readonly<Record<string, readonly Role[]>> = {
  // Auth: my own session and password.
  'GET /api/v1/auth/me': ANY_STAFF,
  'GET /api/v1/auth/sessions': ANY_STAFF,
  'DELETE /api/v1/auth/sessions/:id': ANY_STAFF,
  'POST /api/v1/auth/logout-all': ANY_STAFF,
  'POST /api/v1/auth/password': ANY_STAFF,
  'POST /api/v1/auth/2fa/setup': PEOPLE,
  'POST /api/v1/auth/2fa/enable': PEOPLE,
  'POST /api/v1/live/ticket': ANY_STAFF,

  // Setup: users, departments, counters, devices, settings.
  'POST /api/v1/users': ADMIN_ONLY,
  'GET /api/v1/users': ADMIN_ONLY,
  'PATCH /api/v1/users/:id': ADMIN_ONLY,
  'POST /api/v1/users/:id/unlock': ADMIN_ONLY,
  'POST /api/v1/users/:id/reset-password': ADMIN_ONLY,
  'GET /api/v1/users/:id/sessions': ADMIN_ONLY,
  'DELETE /api/v1/users/:id/sessions': ADMIN_ONLY,
  'POST /api/v1/departments': ADMIN_ONLY,
  'GET /api/v1/departments': ANY_STAFF,
  'GET /api/v1/departments/:id': ANY_STAFF,
  'PATCH /api/v1/departments/:id': ADMIN_ONLY,
  'DELETE /api/v1/departments/:id': ADMIN_ONLY,
  'PUT /api/v1/departments/:id/counter-order': ADMIN_ONLY,
  'GET /api/v1/departments/:id/join-code': FRONT_DESK,
  'POST /api/v1/counters': ADMIN_ONLY,
  'GET /api/v1/counters': ANY_STAFF,
  'PATCH /api/v1/counters/:id': ADMIN_ONLY,
  'DELETE /api/v1/counters/:id': ADMIN_ONLY,
  'GET /api/v1/setup/events': ANY_STAFF,
  'POST /api/v1/devices': ADMIN_ONLY,
  'GET /api/v1/devices': ADMIN_ONLY,
  'DELETE /api/v1/devices/:id': ADMIN_ONLY,
  'POST /api/v1/devices/:id/pairing-code': ADMIN_ONLY,
  // A paired board or kiosk asks who it is (and for its CSRF token) after a reload.
  'GET /api/v1/devices/me': ['display', 'kiosk'],
  'GET /api/v1/settings/branding': ADMIN_ONLY,
  'PUT /api/v1/settings/branding': ADMIN_ONLY,
  'GET /api/v1/settings/status-address': ADMIN_ONLY,
  'GET /api/v1/settings/access': ADMIN_ONLY,
  'PUT /api/v1/settings/access': ADMIN_ONLY,
  'GET /api/v1/reports/today': ADMIN_ONLY,
  'GET /api/v1/admin/security/events': ADMIN_ONLY,
  'GET /api/v1/admin/audit': ADMIN_ONLY,
  'POST /api/v1/admin/audit/search': ADMIN_ONLY,
  'GET /api/v1/admin/audit/export': ADMIN_ONLY,

  // The queue: issuing, calling, serving; limited further to the caller's departments by the queue itself.
  'POST /api/v1/tokens': QUEUE_STAFF,
  'GET /api/v1/tokens/:id': QUEUE_STAFF,
  'GET /api/v1/tokens/:id/messages': QUEUE_STAFF,

  // Notifications: the gateway, each department's triggers, templates, dead letters.
  'GET /api/v1/notifications/settings': ADMIN_ONLY,
  'PUT /api/v1/notifications/gateway': ADMIN_ONLY,
  'PATCH /api/v1/departments/:id/notifications': ADMIN_ONLY,
  'GET /api/v1/notifications/templates': ADMIN_ONLY,
  'PUT /api/v1/notifications/templates': ADMIN_ONLY,
  'DELETE /api/v1/notifications/templates/:trigger/:language': ADMIN_ONLY,
  'POST /api/v1/notifications/templates/preview': ADMIN_ONLY,
  'POST /api/v1/notifications/test': ADMIN_ONLY,
  'GET /api/v1/notifications/messages': ADMIN_ONLY,
  'POST /api/v1/notifications/messages/:id/retry': ADMIN_ONLY,
  'GET /api/v1/departments/:id/queue': QUEUE_STAFF,
  'POST /api/v1/counters/:id/call-next': QUEUE_STAFF,
  'POST /api/v1/counters/:id/complete-and-call-next': QUEUE_STAFF,
  'GET /api/v1/counters/:id/last-action': QUEUE_STAFF,
  'GET /api/v1/counters/:id/recent': QUEUE_STAFF,
  'POST /api/v1/tokens/:id/call': QUEUE_STAFF,
  'POST /api/v1/tokens/:id/recall': QUEUE_STAFF,
  'POST /api/v1/tokens/:id/start': QUEUE_STAFF,
  'POST /api/v1/tokens/:id/park': QUEUE_STAFF,
  'POST /api/v1/tokens/:id/no-show': QUEUE_STAFF,
  'POST /api/v1/tokens/:id/undo': QUEUE_STAFF,
  'POST /api/v1/tokens/:id/cancel': QUEUE_STAFF,
  'POST /api/v1/tokens/:id/complete': QUEUE_STAFF,
  'POST /api/v1/tokens/:id/transfer': QUEUE_STAFF,
  'POST /api/v1/tokens/search': QUEUE_STAFF,
  'POST /api/v1/tokens/:id/reprint': QUEUE_STAFF,
  'POST /api/v1/patients/search': PATIENT_SEARCHERS,
  'GET /api/v1/patients/phone-format': PHONE_FORMS,

  // Boards.
  'GET /api/v1/departments/:id/board': BOARD_VIEWERS,
  'GET /api/v1/departments/:id/board-settings': BOARD_VIEWERS,
  'PUT /api/v1/departments/:id/board-settings': ADMIN_ONLY,
};

/** Everything under this prefix needs no login (API.md: every public endpoint lives there). */
export const PUBLIC_PREFIX = '/api/v1/public/';

/**
 * The routes outside PUBLIC_PREFIX that need no login: signing in and out (the credentials are
 * the body or the cookie), the live socket (it checks its own ticket or cookie before the upgrade),
 * health checks and the OpenAPI document.
 */
export const PUBLIC_ROUTES: readonly string[] = [
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/auth/logout',
  'GET /api/v1/live',
  'GET /healthz',
  'GET /readyz',
  'GET /api/openapi.json',
];

const publicRoutes = new Set(PUBLIC_ROUTES);

/** HEAD answers as GET does (Fastify adds a HEAD route for every GET). */
export const routeKey = (method: string, url: string): string => `${method === 'HEAD' ? 'GET' : method} ${url}`;

export type RouteAccess = { public: true } | { public: false; roles: readonly Role[] };

/**
 * What the table says about one route: public, the roles allowed, or undefined when it says
 * nothing (a route under /api/v1 then refuses to start).
 */
export function accessOf(method: string, url: string): RouteAccess | undefined {
  const key = routeKey(method, url);
  const roles = ROLE_MATRIX[key];
  if (roles) return { public: false, roles };
  if (publicRoutes.has(key) || url.startsWith(PUBLIC_PREFIX)) return { public: true };
  return undefined;
}
