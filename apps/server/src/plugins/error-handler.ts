import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorCode, Problem } from '@smart-token/contracts';
import { AppError, TITLES, type FieldError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { PERMISSIONS_POLICY } from './security.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The problem code the request was answered with, if it failed (the security feed reads it). */
    problemCode: string | undefined;
  }
}

const PROBLEM_TYPE = 'about:blank';
const MAX_FIELD_ERRORS = 20;

/**
 * One validation issue as fastify-type-provider-zod hands it over: the zod issue's code as `keyword`,
 * its path as a JSON pointer in `instancePath`, and its other fields (`keys` of unknown fields…) in `params`.
 */
interface ValidationIssue {
  keyword?: string;
  instancePath?: string;
  message?: string;
  /** The zod issue's own fields (fastify-type-provider-zod passes them on). */
  params?: { keys?: unknown; minimum?: unknown; maximum?: unknown; origin?: unknown; expected?: unknown; format?: unknown; values?: unknown };
}

/**
 * The problem's `detail`: a sentence a person can read, naming the field (API clients read the
 * machine detail in `errors`). `path` is the field as `errors` names it (`body.patient.phone`).
 */
function validationSentence(path: string, issue: ValidationIssue): string {
  const field = path.replace(/^(body|params|querystring|headers)\.?/, '');
  const name = field ? `The field “${field}”` : 'The request';
  const p = issue.params ?? {};
  const count = (n: unknown, unit: string) => `${String(n)} ${unit}${n === 1 ? '' : 's'}`;
  const unit = p.origin === 'array' || p.origin === 'set' ? 'item' : 'character';
  switch (issue.keyword) {
    case 'unrecognized_keys':
      return `${name} is not one this request takes; remove it.`;
    case 'invalid_type':
      return /received undefined/.test(issue.message ?? '') ? `${name} is required.` : `${name} must be ${p.expected === 'array' ? 'a list' : `a ${String(p.expected)}`}.`;
    case 'too_small':
      if (p.origin === 'string' && p.minimum === 1) return `${name} is required; it is empty.`;
      return p.origin === 'number' || p.origin === 'int' ? `${name} must be at least ${String(p.minimum)}.` : `${name} must have at least ${count(p.minimum, unit)}.`;
    case 'too_big':
      return p.origin === 'number' || p.origin === 'int' ? `${name} must be at most ${String(p.maximum)}.` : `${name} must have at most ${count(p.maximum, unit)}.`;
    case 'invalid_format':
      return p.format === 'email' ? `${name} must be an email address, like name@clinic.example.` : `${name} is not in the right form (${issue.message ?? 'invalid'}).`;
    case 'invalid_value':
      return Array.isArray(p.values) ? `${name} must be one of: ${p.values.map(String).join(', ')}.` : `${name} is not an allowed value.`;
    default:
      return `${name} is not valid: ${issue.message ?? 'invalid'}.`;
  }
}

const pointerSegments = (pointer: string | undefined): string[] =>
  (pointer ?? '')
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));

/** Turns one validation issue into `{ path, message }` naming the field, e.g. `body.patient.phone`. */
function fieldErrors(context: string | undefined, issue: ValidationIssue): FieldError[] {
  const base = [context, ...pointerSegments(issue.instancePath)].filter(Boolean).join('.');
  const keys = issue.params?.keys;
  if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys) && keys.length > 0) {
    return keys.map((key) => ({ path: base ? `${base}.${String(key)}` : String(key), message: 'unknown field' }));
  }
  return [{ path: base || (context ?? ''), message: issue.message ?? 'invalid' }];
}

const REQUEST_PARTS = new Set(['body', 'params', 'querystring', 'headers']);

/**
 * A service names the field of its input (`counterId`); over HTTP that input is the body, so the
 * path reads like a schema error's (`body.counterId`) and clients handle both the same way.
 */
function locatedInBody(error: FieldError): FieldError {
  const first = error.path.split('.')[0] ?? '';
  return REQUEST_PARTS.has(first) ? error : { ...error, path: error.path ? `body.${error.path}` : 'body' };
}

function problem(status: number, code: ErrorCode, detail: string, requestId: string, errors?: FieldError[]): Problem {
  return { type: PROBLEM_TYPE, title: TITLES[status] ?? 'Error', status, detail, code, requestId, ...(errors && errors.length > 0 && { errors }) };
}

/** Maps every error to problem+json once: AppErrors as thrown, framework errors by code, the rest as a generic 500. */
export function toProblem(error: FastifyError | AppError | Error, requestId: string): Problem {
  if (error instanceof AppError) return problem(error.status, error.code, error.detail, requestId, error.errors?.map(locatedInBody));
  const e = error as FastifyError & { validationContext?: string };
  if (hasZodFastifySchemaValidationErrors(e)) {
    const issues = e.validation as ValidationIssue[];
    const errors = issues.flatMap((v) => fieldErrors(e.validationContext, v)).slice(0, MAX_FIELD_ERRORS);
    const first = errors[0];
    const others = errors.length - 1;
    const more = others > 0 ? ` (${others} more ${others === 1 ? 'problem' : 'problems'} in errors)` : '';
    return problem(400, 'VALIDATION_FAILED', first ? `${validationSentence(first.path, issues[0]!)}${more}` : 'The request is not valid.', requestId, errors);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON with content-type: application/json.', requestId);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.', requestId);
    case 'FST_ERR_BAD_URL':
      return problem(400, 'VALIDATION_FAILED', 'The address is not valid: it holds a broken %-escape.', requestId, [{ path: 'url', message: 'not a valid URL' }]);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem(400, 'VALIDATION_FAILED', 'A part of the address is too long.', requestId, [{ path: 'params', message: 'too long' }]);
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

/**
 * For Fastify's `frameworkErrors` option: a broken %-escape or an over-long path parameter is
 * refused by the router before any hook or error handler runs, as plain JSON without a request id.
 */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('x-request-id', request.id);
  return sendProblem(reply, toProblem(error, request.id), BARE_ERROR_HEADERS);
}

/**
 * The protective headers for answers made before any hook runs (helmet's among them): a JSON
 * problem that nothing may sniff, frame, cache or be referred from.
 */
const BARE_ERROR_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-xss-protection': '0',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': PERMISSIONS_POLICY,
};

/**
 * For Fastify's `clientErrorHandler`: Node refuses a request before it becomes one (too slow, headers
 * too large, not HTTP) and writes to the socket itself. The client still gets problem+json with a
 * request id, at debug level in the log (a slow or broken client is not the server's error).
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const requestId = newId();
  const value =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? problem(408, 'REQUEST_TIMEOUT', 'The request took too long to arrive; send it again in one go.', requestId)
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? problem(431, 'HEADERS_TOO_LARGE', 'The request headers are too large.', requestId)
        : problem(400, 'VALIDATION_FAILED', 'The request is not valid HTTP.', requestId);
  this.log.debug({ code: error.code, status: value.status, requestId }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(value);
    socket.write(
      `HTTP/1.1 ${value.status} ${value.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\n${Object.entries(BARE_ERROR_HEADERS)
        .map(([name, v]) => `${name}: ${v}\r\n`)
        .join('')}Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('problemCode', undefined);
    app.setErrorHandler((error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) => {
      const value = toProblem(error, request.id);
      request.problemCode = value.code;
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
