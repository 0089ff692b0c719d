import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  changePasswordBodySchema,
  emptyBodySchema,
  idSchema,
  loginBodySchema,
  logoutBodySchema,
  meSchema,
  problemSchema,
  refreshBodySchema,
  sessionInfoSchema,
  sessionResponseSchema,
} from '@smart-token/contracts';
import { UnauthenticatedError } from '../../errors.js';
import { ACCESS_COOKIE, CsrfError, REFRESH_COOKIE, requestContext, requirePrincipal } from './auth.plugin.js';
import { perMinute } from '../../plugins/rate-limit.js';
import { ANY_STAFF } from '../roles.js';
import { ACCESS_TOKEN_TTL_SECONDS, csrfTokenMatches } from './access-tokens.js';
import type { AuthService, IssuedSession } from './auth.service.js';

const REFRESH_PATH = '/api/v1/auth';
const LOGIN_PER_MINUTE = 10;

export interface AuthRoutesOptions {
  auth: AuthService;
  jwtSecret: Uint8Array;
  secureCookies: boolean;
  rateLimitMultiplier: number;
}

export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, opts) => {
  const { auth, jwtSecret, secureCookies } = opts;
  const cookieBase = { httpOnly: true, sameSite: 'strict' as const, secure: secureCookies };

  function sendSession(reply: FastifyReply, session: IssuedSession) {
    reply.setCookie(ACCESS_COOKIE, session.accessToken, { ...cookieBase, path: '/', maxAge: ACCESS_TOKEN_TTL_SECONDS });
    reply.setCookie(REFRESH_COOKIE, session.refreshToken, {
      ...cookieBase,
      path: REFRESH_PATH,
      maxAge: session.refreshExpiresIn,
    });
    const { refreshExpiresIn: _unused, ...body } = session;
    return body;
  }

  function clearCookies(reply: FastifyReply) {
    reply.clearCookie(ACCESS_COOKIE, { ...cookieBase, path: '/' });
    reply.clearCookie(REFRESH_COOKIE, { ...cookieBase, path: REFRESH_PATH });
  }

  /**
   * A refresh or logout carried by the cookie must also carry the session's CSRF token. Returns the
   * session, or undefined when the cookie names none we know (then there is nothing to protect).
   */
  async function csrfCheckedSession(request: FastifyRequest, refreshToken: string): Promise<string | undefined> {
    const sessionId = await auth.sessionOfRefreshToken(refreshToken);
    if (!sessionId) return undefined;
    const header = request.headers['x-csrf-token'];
    if (!csrfTokenMatches(jwtSecret, sessionId, typeof header === 'string' ? header : undefined)) throw new CsrfError();
    return sessionId;
  }

  app.post(
    '/login',
    {
      config: { public: true, rateLimit: perMinute(LOGIN_PER_MINUTE, opts.rateLimitMultiplier) },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password',
        body: loginBodySchema,
        response: { 200: sessionResponseSchema, 400: problemSchema, 401: problemSchema, 429: problemSchema },
      },
    },
    async (request, reply) => sendSession(reply, await auth.login(request.body, requestContext(request))),
  );

  app.post(
    '/refresh',
    {
      config: { public: true, rateLimit: perMinute(LOGIN_PER_MINUTE * 6, opts.rateLimitMultiplier) },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token (cookie or body) for a new pair; the old one is spent',
        body: refreshBodySchema,
        response: { 200: sessionResponseSchema, 401: problemSchema, 403: problemSchema },
      },
    },
    async (request, reply) => {
      const fromBody = request.body?.refreshToken;
      const fromCookie = request.cookies[REFRESH_COOKIE];
      const refreshToken = fromBody ?? fromCookie;
      if (!refreshToken) throw new UnauthenticatedError('No refresh token was sent; sign in again.');
      if (!fromBody && !(await csrfCheckedSession(request, refreshToken))) {
        throw new UnauthenticatedError('The refresh token is not valid; sign in again.');
      }
      return sendSession(reply, await auth.refresh(refreshToken, requestContext(request)));
    },
  );

  app.post(
    '/logout',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'End the session named by the Bearer token, the refresh cookie or the refresh token in the body',
        body: logoutBodySchema,
        response: { 204: z.null(), 401: problemSchema, 403: problemSchema },
      },
    },
    async (request, reply) => {
      const context = requestContext(request);
      const header = request.headers.authorization;
      const fromBody = request.body?.refreshToken;
      let sessionId: string | undefined;
      if (header !== undefined) {
        // An expired or forged Bearer ends nothing, so it must not be answered as if it had.
        if (!header.toLowerCase().startsWith('bearer ')) throw new UnauthenticatedError('The Authorization header must be "Bearer <accessToken>".');
        sessionId = (await auth.authenticate(header.slice('bearer '.length))).sessionId;
      } else if (fromBody !== undefined) {
        sessionId = await auth.sessionOfRefreshToken(fromBody);
        if (!sessionId) throw new UnauthenticatedError('The refresh token is not valid; there is no session to end.');
      } else {
        const refreshToken = request.cookies[REFRESH_COOKIE];
        sessionId = refreshToken ? await csrfCheckedSession(request, refreshToken) : undefined;
      }
      if (sessionId) await auth.logout(sessionId, context);
      clearCookies(reply);
      reply.header('clear-site-data', '"cookies", "storage"');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/logout-all',
    {
      config: { roles: ANY_STAFF },
      schema: { tags: ['auth'], summary: 'End every session of mine, this one included', body: emptyBodySchema, response: { 204: z.null(), 401: problemSchema } },
    },
    async (request, reply) => {
      await auth.logoutAll(requirePrincipal(request), requestContext(request));
      clearCookies(reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/sessions',
    { config: { roles: ANY_STAFF }, schema: { tags: ['auth'], summary: 'My sessions that have not ended', response: { 200: z.array(sessionInfoSchema), 401: problemSchema } } },
    async (request) => {
      const principal = requirePrincipal(request);
      return auth.listSessions(principal.userId, principal.sessionId);
    },
  );

  app.delete(
    '/sessions/:id',
    {
      config: { roles: ANY_STAFF },
      schema: { tags: ['auth'], summary: 'End one of my sessions', params: z.strictObject({ id: idSchema }), response: { 204: z.null(), 401: problemSchema, 404: problemSchema } },
    },
    async (request, reply) => {
      await auth.endOwnSession(requirePrincipal(request), request.params.id, requestContext(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/password',
    {
      config: { roles: ANY_STAFF, rateLimit: perMinute(LOGIN_PER_MINUTE, opts.rateLimitMultiplier) },
      schema: {
        tags: ['auth'],
        summary: 'Change my password (needs the current one); my other sessions end',
        body: changePasswordBodySchema,
        response: { 204: z.null(), 400: problemSchema, 401: problemSchema },
      },
    },
    async (request, reply) => {
      await auth.changePassword(requirePrincipal(request), request.body, requestContext(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me',
    { config: { roles: ANY_STAFF }, schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: meSchema, 401: problemSchema } } },
    async (request) => {
      const p = requirePrincipal(request);
      return { id: p.userId, email: p.email, name: p.name, role: p.role, ...(p.passwordChangeRequired && { passwordChangeRequired: true as const }) };
    },
  );
};
