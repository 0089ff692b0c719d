import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  changePasswordBodySchema,
  emptyBodySchema,
  enableTwoFactorBodySchema,
  idSchema,
  loginBodySchema,
  logoutBodySchema,
  meSchema,
  problemSchema,
  recoveryCodesSchema,
  refreshBodySchema,
  sessionInfoSchema,
  sessionResponseSchema,
  twoFactorSetupSchema,
} from '@smart-token/contracts';
import { UnauthenticatedError } from '../../errors.js';
import { CsrfError, requestContext, requirePrincipal } from './auth.plugin.js';
import { REFRESH_COOKIE_PATH, cookiesFor } from './cookies.js';
import { perMinute } from '../../plugins/rate-limit.js';
import { ACCESS_TOKEN_TTL_SECONDS, csrfTokenMatches } from './access-tokens.js';
import type { AuthService, IssuedSession } from './auth.service.js';

const REFRESH_PER_MINUTE = 120;

export interface AuthRoutesOptions {
  auth: AuthService;
  jwtSecret: Uint8Array;
  secureCookies: boolean;
  rateLimitMultiplier: number;
  /** Sign-ins a minute per address and account (RATE_LIMIT_LOGIN_PER_MINUTE), before the multiplier. */
  loginPerMinute: number;
}

export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, opts) => {
  const { auth, jwtSecret, secureCookies } = opts;
  const cookies = cookiesFor(secureCookies);

  function sendSession(reply: FastifyReply, session: IssuedSession) {
    reply.setCookie(cookies.access, session.accessToken, cookies.flags('/', ACCESS_TOKEN_TTL_SECONDS));
    reply.setCookie(cookies.refresh, session.refreshToken, cookies.flags(REFRESH_COOKIE_PATH, session.refreshExpiresIn));
    const { refreshExpiresIn: _unused, ...body } = session;
    return body;
  }

  function clearCookies(reply: FastifyReply) {
    reply.clearCookie(cookies.access, cookies.flags('/'));
    reply.clearCookie(cookies.refresh, cookies.flags(REFRESH_COOKIE_PATH));
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
      config: { public: true, rateLimit: perMinute(opts.loginPerMinute, opts.rateLimitMultiplier) },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password (and otp when two-step sign-in is on: without it, 401 OTP_REQUIRED)',
        body: loginBodySchema,
        response: { 200: sessionResponseSchema, 400: problemSchema, 401: problemSchema, 429: problemSchema },
      },
    },
    async (request, reply) => sendSession(reply, await auth.login(request.body, requestContext(request))),
  );

  app.post(
    '/refresh',
    {
      // Keyed by address only (the refresh token is a secret, not a key): a ward's tabs refresh behind one NAT.
      config: { public: true, rateLimit: perMinute(REFRESH_PER_MINUTE, opts.rateLimitMultiplier) },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token (cookie or body) for a new pair; the old one is spent',
        body: refreshBodySchema,
        response: { 200: sessionResponseSchema, 401: problemSchema, 403: problemSchema },
      },
    },
    async (request, reply) => {
      const fromBody = request.body?.refreshToken;
      const fromCookie = request.cookies[cookies.refresh];
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
        const refreshToken = request.cookies[cookies.refresh];
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
    { schema: { tags: ['auth'], summary: 'My sessions that have not ended', response: { 200: z.array(sessionInfoSchema), 401: problemSchema } } },
    async (request) => {
      const principal = requirePrincipal(request);
      return auth.listSessions(principal.userId, principal.sessionId);
    },
  );

  app.delete(
    '/sessions/:id',
    {
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
      config: { rateLimit: perMinute(opts.loginPerMinute, opts.rateLimitMultiplier) },
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
    { schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: meSchema, 401: problemSchema } } },
    async (request) => {
      const p = requirePrincipal(request);
      return {
        id: p.userId,
        email: p.email,
        name: p.name,
        role: p.role,
        departmentIds: p.departmentIds ? [...p.departmentIds] : null,
        ...(p.passwordChangeRequired && { passwordChangeRequired: true as const }),
        ...(p.mfaEnrolmentRequired && { mfaEnrolmentRequired: true as const }),
        twoFactorEnabled: await auth.twoFactorEnabled(p.userId),
      };
    },
  );

  // Who may enrol is in the role matrix (people, not devices).
  app.post(
    '/2fa/setup',
    {
      config: { rateLimit: perMinute(opts.loginPerMinute, opts.rateLimitMultiplier) },
      schema: {
        tags: ['auth'],
        summary: 'Start two-step sign-in: a new TOTP secret (base32, and an otpauth:// URL for the QR code); again before enabling replaces it',
        body: emptyBodySchema,
        response: { 200: twoFactorSetupSchema, 401: problemSchema, 403: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) => {
      // The secret must not be kept by a cache on the way.
      reply.header('cache-control', 'no-store');
      return auth.setupTwoFactor(requirePrincipal(request));
    },
  );

  app.post(
    '/2fa/enable',
    {
      config: { rateLimit: perMinute(opts.loginPerMinute, opts.rateLimitMultiplier) },
      schema: {
        tags: ['auth'],
        summary: 'Turn two-step sign-in on with a code of the app: returns 10 one-time recovery codes, shown this once; my other sessions end',
        body: enableTwoFactorBodySchema,
        response: { 200: recoveryCodesSchema, 400: problemSchema, 401: problemSchema, 403: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return auth.enableTwoFactor(requirePrincipal(request), request.body, requestContext(request));
    },
  );
};
