import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemSchema, securityFeedQuerySchema, securityFeedSchema } from '@smart-token/contracts';
import type { SecurityFeedService } from './security-feed.js';

export const securityFeedRoutes: FastifyPluginAsyncZod<{ feed: SecurityFeedService }> = async (app, { feed }) => {
  app.get(
    '/admin/security/events',
    {
      schema: {
        tags: ['security'],
        summary: 'The security feed: refused sign-ins, rate-limit hits, blocked requests and detector events, per hour and by address, route and rule (default: the last 24 h)',
        querystring: securityFeedQuerySchema,
        response: { 200: securityFeedSchema, 400: problemSchema },
      },
    },
    async (request) => feed.report(request.query),
  );
};
