import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '@smart-token/contracts';
import { AppError, ForbiddenError, UnauthenticatedError } from '../../errors.js';
import { csrfTokenMatches } from './access-tokens.js';
import type { AuthService, Principal } from './auth.service.js';
import type { RequestContext } from './security-log.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles that may call the route; a staff route without it does not start (fail closed). */
    roles?: readonly Role[];
    /** The route needs no login (public/, login, refresh, logout, docs). */
    public?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

export const ACCESS_COOKIE = 'st_access';
export const REFRESH_COOKIE = 'st_refresh';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class CsrfError extends AppError {
  constructor() {
    super('CSRF_FAILED', 403, 'The x-csrf-token header is missing or wrong; reload the page and sign in again if this repeats.');
  }
}

/** Where the request's credentials are: an Authorization header wins over the session cookie. */
function credentials(request: FastifyRequest): { token: string; viaCookie: boolean } | undefined {
  const header = request.headers.authorization;
  if (header) {
    const [scheme, value] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && value) return { token: value, viaCookie: false };
    throw new UnauthenticatedError('The Authorization header must be "Bearer <accessToken>".');
  }
  const cookie = request.cookies[ACCESS_COOKIE];
  return cookie ? { token: cookie, viaCookie: true } : undefined;
}

/** Who is asking from where, as security events record it. */
export function requestContext(request: FastifyRequest): RequestContext {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : undefined, requestId: request.id };
}

/** What a user whose password an admin reset may still do: see who they are and change it. */
const ALLOWED_BEFORE_PASSWORD_CHANGE = new Set(['GET /api/v1/auth/me', 'POST /api/v1/auth/password']);

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthenticatedError();
  return request.principal;
}

export const authPlugin = fp(
  async (app: FastifyInstance, opts: { auth: Pick<AuthService, 'authenticate'>; jwtSecret: Uint8Array }) => {
    app.decorateRequest('principal', undefined);

    app.addHook('onRoute', (route) => {
      const config = route.config as { roles?: unknown; public?: unknown } | undefined;
      if (route.url.startsWith('/api/v1/') && !config?.public && !config?.roles) {
        throw new Error(`Route ${String(route.method)} ${route.url} declares neither roles nor public: refusing to start.`);
      }
    });

    // onRequest: authentication comes before the body is read or validated.
    app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
      const roles = request.routeOptions.config.roles;
      if (!roles) return;
      const presented = credentials(request);
      if (!presented) throw new UnauthenticatedError();
      const principal = await opts.auth.authenticate(presented.token);
      if (presented.viaCookie && !SAFE_METHODS.has(request.method)) {
        const header = request.headers['x-csrf-token'];
        if (!csrfTokenMatches(opts.jwtSecret, principal.sessionId, typeof header === 'string' ? header : undefined)) throw new CsrfError();
      }
      if (principal.passwordChangeRequired && !ALLOWED_BEFORE_PASSWORD_CHANGE.has(`${request.method} ${request.routeOptions.url}`)) {
        throw new AppError('PASSWORD_CHANGE_REQUIRED', 403, 'An admin reset your password: choose a new one (POST /api/v1/auth/password) before anything else.');
      }
      if (!roles.includes(principal.role)) throw new ForbiddenError(`The ${principal.role} role may not use ${request.method} ${request.routeOptions.url}.`);
      request.principal = principal;
    });
  },
  { name: 'auth', dependencies: [] },
);
