import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorCode, Problem } from '@smart-token/contracts';
import { AppError, TITLES, type FieldError } from '../errors.js';

const PROBLEM_TYPE = 'about:blank';
const MAX_FIELD_ERRORS = 20;

interface ZodIssueLike {
  code?: string;
  path?: PropertyKey[];
  keys?: string[];
  message?: string;
}

/** Turns one validation issue into `{ path, message }` naming the field, e.g. `body.patient.phone`. */
function fieldErrors(context: string | undefined, issue: ZodIssueLike): FieldError[] {
  const base = [context, ...(issue.path ?? []).map(String)].filter(Boolean).join('.');
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    return issue.keys.map((key) => ({ path: base ? `${base}.${key}` : key, message: 'unknown field' }));
  }
  return [{ path: base || (context ?? ''), message: issue.message ?? 'invalid' }];
}

function problem(status: number, code: ErrorCode, detail: string, requestId: string, errors?: FieldError[]): Problem {
  return { type: PROBLEM_TYPE, title: TITLES[status] ?? 'Error', status, detail, code, requestId, ...(errors && errors.length > 0 && { errors }) };
}

/** Maps every error to problem+json once: AppErrors as thrown, framework errors by code, the rest as a generic 500. */
export function toProblem(error: FastifyError | AppError | Error, requestId: string): Problem {
  if (error instanceof AppError) return problem(error.status, error.code, error.detail, requestId, error.errors);
  const e = error as FastifyError & { validationContext?: string };
  if (hasZodFastifySchemaValidationErrors(e)) {
    const errors = e.validation
      .flatMap((v) => fieldErrors(e.validationContext, (v.params as { issue?: ZodIssueLike }).issue ?? { message: v.message, path: [] }))
      .slice(0, MAX_FIELD_ERRORS);
    const first = errors[0];
    return problem(400, 'VALIDATION_FAILED', first ? `${first.path}: ${first.message}` : 'The request is not valid.', requestId, errors);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON with content-type: application/json.', requestId);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.', requestId);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'VALIDATION_FAILED', 'The body is not valid JSON.', requestId, [{ path: 'body', message: 'not valid JSON' }]);
  }
  if (error instanceof SyntaxError || e.statusCode === 400) {
    return problem(400, 'VALIDATION_FAILED', 'The body is not valid JSON.', requestId, [{ path: 'body', message: 'not valid JSON' }]);
  }
  if (e.statusCode === 404) return problem(404, 'NOT_FOUND', 'Nothing is here.', requestId);
  if (e.statusCode === 429) return problem(429, 'RATE_LIMITED', 'Too many requests; wait a moment and try again.', requestId);
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    return problem(e.statusCode, 'VALIDATION_FAILED', e.message, requestId);
  }
  return problem(500, 'INTERNAL', 'Something went wrong on our side. Quote the request id if you report it.', requestId);
}

function sendProblem(reply: FastifyReply, value: Problem, headers?: Record<string, string>): FastifyReply {
  if (headers) reply.headers(headers);
  return reply.status(value.status).type('application/problem+json').send(value);
}

export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) => {
      const value = toProblem(error, request.id);
      if (value.status >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.info({ code: value.code, status: value.status }, value.detail);
      return sendProblem(reply, value, error instanceof AppError ? error.headers : undefined);
    });
    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, problem(404, 'NOT_FOUND', `There is no ${request.method} ${request.url.split('?')[0]}.`, request.id)),
    );
  },
  { name: 'error-handler' },
);
