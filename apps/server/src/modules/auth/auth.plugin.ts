import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '@smart-token/contracts';
import { AppError, ForbiddenError, UnauthenticatedError } from '../../errors.js';
import { csrfTokenMatches } from './access-tokens.js';
import type { AuthService, Principal } from './auth.service.js';
import { accessOf } from '../role-matrix.js';
import { cookiesFor, type Cookies } from './cookies.js';
import type { RequestContext } from './security-log.js';
import type { AuditActor, AuditBy } from '../audit/audit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set from the role matrix (modules/role-matrix.ts) when the route is added; a route's own value is ignored. */
    roles?: readonly Role[];
    /** Set from the role matrix: the route needs no login (public/, login, refresh, logout, docs). */
    public?: boolean;
    /**
     * A public route that also serves credentials when they come (a kiosk checking a patient in):
     * a valid ApiKey, Bearer or cookie (with its CSRF header on a write) sets the principal; cookies
     * that do not pass are ignored (the route then serves the caller as anonymous), a bad header is 401.
     */
    optionalAuth?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/** Checks a device's API key (the devices module's, handed to the plugin). */
export interface DeviceAuthenticator {
  authenticate(key: string, context: RequestContext): Promise<Principal>;
}
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class CsrfError extends AppError {
  constructor() {
    super('CSRF_FAILED', 403, 'The x-csrf-token header is missing or wrong; reload the page and sign in again if this repeats.');
  }
}

interface Credentials {
  token: string;
  viaCookie: boolean;
  /** A device key (ApiKey header or the paired screen's cookie), not a staff access token. */
  device: boolean;
}

/** One scheme, one space, one token68 credential (RFC 9110 §11.2), and nothing after it. */
const AUTHORIZATION = /^([A-Za-z][A-Za-z0-9-]*) ([A-Za-z0-9._~+/-]+=*)$/;

/** Where the request's credentials are: an Authorization header wins over the session cookie, which wins over a device's. */
function credentials(request: FastifyRequest, cookies: Cookies): Credentials | undefined {
  const header = request.headers.authorization;
  if (header) {
    // Exactly "<scheme> <credential>" (RFC 9110 §11.4): `Bearer <jwt> junk` is refused, not read as `Bearer <jwt>`.
    const match = AUTHORIZATION.exec(header);
    const scheme = match?.[1]!.toLowerCase();
    const value = match?.[2];
    if (scheme === 'bearer' && value) return { token: value, viaCookie: false, device: false };
    if (scheme === 'apikey' && value) return { token: value, viaCookie: false, device: true };
    throw new UnauthenticatedError('The Authorization header must be "Bearer <accessToken>" or "ApiKey <key>".');
  }
  const cookie = request.cookies[cookies.access];
  if (cookie) return { token: cookie, viaCookie: true, device: false };
  const screen = request.cookies[cookies.device];
  return screen ? { token: screen, viaCookie: true, device: true } : undefined;
}

/** Who is asking from where, as security events record it. */
export function requestContext(request: FastifyRequest): RequestContext {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : undefined, requestId: request.id };
}

/** What a user whose password an admin reset may still do: see who they are and change it. */
const ALLOWED_BEFORE_PASSWORD_CHANGE = new Set(['GET /api/v1/auth/me', 'POST /api/v1/auth/password']);
/** What an admin who has not turned on 2FA may do (logout and refresh are public): see who they are and enrol. */
const ALLOWED_BEFORE_MFA_ENROLMENT = new Set(['GET /api/v1/auth/me', 'POST /api/v1/auth/2fa/setup', 'POST /api/v1/auth/2fa/enable']);

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthenticatedError();
  return request.principal;
}

/** Who is asking, as the audit trail records them: the person by id and email, or the board or kiosk by id. */
export function auditBy(request: FastifyRequest): AuditBy {
  const p = requirePrincipal(request);
  const actor: AuditActor = p.device ? { kind: 'device', id: p.device.id, label: p.name } : { kind: 'user', id: p.userId, label: p.email };
  return { actor, ip: request.ip, requestId: request.id };
}

export const authPlugin = fp(
  async (app: FastifyInstance, opts: { auth: Pick<AuthService, 'authenticate'>; jwtSecret: Uint8Array; devices?: DeviceAuthenticator; secureCookies?: boolean }) => {
    const cookies = cookiesFor(opts.secureCookies ?? false);
    const authenticate = (presented: Credentials, request: FastifyRequest): Promise<Principal> => {
      if (!presented.device) return opts.auth.authenticate(presented.token);
      if (!opts.devices) throw new UnauthenticatedError('This server takes no device keys.');
      return opts.devices.authenticate(presented.token, requestContext(request));
    };
    const csrfPasses = (request: FastifyRequest, principal: Principal): boolean => {
      const header = request.headers['x-csrf-token'];
      return csrfTokenMatches(opts.jwtSecret, principal.sessionId, typeof header === 'string' ? header : undefined);
    };
    app.decorateRequest('principal', undefined);

    // The role matrix decides who may call each route (a route's own roles are ignored): a /api/v1
    // route it does not name refuses to start (fail closed).
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const access = methods.map((method) => accessOf(method, route.url));
      const [first, ...others] = access;
      if (!first || others.some((a) => JSON.stringify(a) !== JSON.stringify(first))) {
        if (!route.url.startsWith('/api/v1/')) return;
        throw new Error(`Route ${methods.join(',')} ${route.url} is not in the role matrix (modules/role-matrix.ts) and is not public: refusing to start.`);
      }
      route.config = { ...route.config, roles: first.public ? undefined : first.roles, public: first.public };
    });

    // onRequest: authentication comes before the body is read or validated.
    app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
      const roles = request.routeOptions.config.roles;
      if (!roles) {
        if (request.routeOptions.config.optionalAuth) await authenticateIfPresent(request);
        return;
      }
      const presented = credentials(request, cookies);
      if (!presented) throw new UnauthenticatedError();
      const principal = await authenticate(presented, request);
      if (presented.viaCookie && !SAFE_METHODS.has(request.method) && !csrfPasses(request, principal)) throw new CsrfError();
      if (principal.passwordChangeRequired && !ALLOWED_BEFORE_PASSWORD_CHANGE.has(`${request.method} ${request.routeOptions.url}`)) {
        throw new AppError('PASSWORD_CHANGE_REQUIRED', 403, 'An admin reset your password: choose a new one (POST /api/v1/auth/password) before anything else.');
      }
      // A reset password is changed first (that route stays open), then 2FA is enrolled.
      const route = `${request.method} ${request.routeOptions.url}`;
      if (principal.mfaEnrolmentRequired && !ALLOWED_BEFORE_MFA_ENROLMENT.has(route) && !(principal.passwordChangeRequired && ALLOWED_BEFORE_PASSWORD_CHANGE.has(route))) {
        throw new AppError('MFA_ENROLMENT_REQUIRED', 403, 'Admins must turn on two-step sign-in first: POST /api/v1/auth/2fa/setup, then /api/v1/auth/2fa/enable with a code.');
      }
      if (!roles.includes(principal.role)) throw new ForbiddenError(`The ${principal.role} role may not use ${request.method} ${request.routeOptions.url}.`);
      request.principal = principal;
    });

    async function authenticateIfPresent(request: FastifyRequest): Promise<void> {
      const presented = credentials(request, cookies);
      if (!presented) return;
      if (!presented.viaCookie) {
        request.principal = await authenticate(presented, request);
        return;
      }
      // A cookie the browser sent along (a receptionist opening the phone join page) is no reason to refuse.
      const principal = await authenticate(presented, request).catch(() => undefined);
      if (principal && (SAFE_METHODS.has(request.method) || csrfPasses(request, principal))) request.principal = principal;
    }
  },
  { name: 'auth', dependencies: [] },
);
