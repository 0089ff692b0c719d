import {
  MESSAGE_STATES,
  gatewaySchema,
  idParamsSchema,
  idSchema,
  languageSchema,
  notificationMessageSchema,
  notificationSettingsSchema,
  notificationTriggerSchema,
  previewTemplateSchema,
  problemSchema,
  saveTemplateSchema,
  templatePreviewSchema,
  templateSchema,
  testMessageSchema,
  departmentNotificationsSchema,
  updateDepartmentNotificationsSchema,
  updateGatewaySchema,
} from '@smart-token/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import { auditBy, requirePrincipal } from '../auth/auth.plugin.js';
import type { QueueService } from '../queue/queue.service.js';
import type { Notifications } from './notifications.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema };
const messagesSchema = z.object({ messages: z.array(notificationMessageSchema) });

export interface NotificationsRoutesOptions {
  notifications: Notifications;
  queue: QueueService;
  departmentIds: () => Promise<string[]>;
  departmentExists: (id: string) => Promise<boolean>;
}

/** Admin → Notifications, and a token's messages for the staff of its department. */
export const notificationsRoutes: FastifyPluginAsyncZod<NotificationsRoutesOptions> = async (app, opts) => {
  const { notifications } = opts;
  const requireDepartment = async (id: string | null | undefined) => {
    if (id && !(await opts.departmentExists(id))) throw new NotFoundError(`Department ${id} does not exist.`);
  };

  app.get(
    '/tokens/:id/messages',
    {
      config: { recordAccess: 'patient.record.viewed' },
      schema: { tags: ['notifications'], summary: 'Every message sent (or not) about this token, oldest first, with its state', params: idParamsSchema, response: { 200: messagesSchema, ...errors } },
    },
    async (request) => {
      // Staff see a token's messages where they may see the token (its department).
      await opts.queue.getToken(request.params.id, requirePrincipal(request));
      return { messages: await notifications.messagesOfToken(request.params.id) };
    },
  );

  app.get(
    '/notifications/settings',
    { schema: { tags: ['notifications'], summary: 'The gateway (never its auth token) and each department’s channels, triggers and limits', response: { 200: notificationSettingsSchema, ...errors } } },
    async () => notifications.adminSettings(await opts.departmentIds()),
  );

  app.put(
    '/notifications/gateway',
    { schema: { tags: ['notifications'], summary: 'Twilio credentials (the auth token is stored encrypted); 409 when set in the environment', body: updateGatewaySchema, response: { 200: gatewaySchema, ...errors } } },
    async (request) => notifications.saveGateway(request.body, auditBy(request)),
  );

  app.patch(
    '/departments/:id/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: 'A department’s channels, triggers, "turn is near" rule and messages per token',
        params: idParamsSchema,
        body: updateDepartmentNotificationsSchema,
        response: { 200: departmentNotificationsSchema, ...errors },
      },
    },
    async (request) => {
      await requireDepartment(request.params.id);
      return notifications.updateDepartment(request.params.id, request.body, auditBy(request));
    },
  );

  app.get(
    '/notifications/templates',
    {
      schema: {
        tags: ['notifications'],
        summary: 'The texts in use for each trigger and language: the department’s, else the clinic’s, else the built-in one',
        querystring: z.strictObject({ departmentId: idSchema.optional() }),
        response: { 200: z.object({ templates: z.array(templateSchema) }), ...errors },
      },
    },
    async (request) => {
      await requireDepartment(request.query.departmentId);
      return { templates: await notifications.templates.all(request.query.departmentId ?? null) };
    },
  );

  app.put(
    '/notifications/templates',
    { schema: { tags: ['notifications'], summary: 'Save a template; an unknown {variable} is a 400 naming it', body: saveTemplateSchema, response: { 200: templateSchema, ...errors } } },
    async (request) => {
      await requireDepartment(request.body.departmentId);
      return notifications.saveTemplate(request.body, auditBy(request));
    },
  );

  app.delete(
    '/notifications/templates/:trigger/:language',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Back to the built-in text (or the clinic’s, for a department)',
        params: z.strictObject({ trigger: notificationTriggerSchema, language: languageSchema }),
        querystring: z.strictObject({ departmentId: idSchema.optional() }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await notifications.revertTemplate(request.query.departmentId ?? null, request.params.language, request.params.trigger, auditBy(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/notifications/templates/preview',
    { schema: { tags: ['notifications'], summary: 'The text with example values, its characters, encoding and SMS parts', body: previewTemplateSchema, response: { 200: templatePreviewSchema, ...errors } } },
    async (request) => notifications.preview(request.body),
  );

  app.post(
    '/notifications/test',
    { schema: { tags: ['notifications'], summary: 'Send the template for a trigger to a phone now, through the active gateway', body: testMessageSchema, response: { 202: z.object({ message: notificationMessageSchema }), ...errors } } },
    async (request, reply) => reply.status(202).send({ message: await notifications.sendTest(request.body) }),
  );

  app.get(
    '/notifications/messages',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Messages in one state, newest first (state=dead: the dead letters)',
        querystring: z.strictObject({ state: z.enum(MESSAGE_STATES).default('dead') }),
        response: { 200: messagesSchema, ...errors },
      },
    },
    async (request) => ({ messages: await notifications.messagesInState(request.query.state) }),
  );

  app.post(
    '/notifications/messages/:id/retry',
    { schema: { tags: ['notifications'], summary: 'Send a dead or failed message again', params: idParamsSchema, response: { 200: z.object({ message: notificationMessageSchema }), ...errors } } },
    async (request) => ({ message: await notifications.retry(request.params.id) }),
  );
};
