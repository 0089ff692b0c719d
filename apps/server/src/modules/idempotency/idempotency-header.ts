import type { FastifyRequest } from 'fastify';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '@smart-token/contracts';
import { ValidationError } from '../../errors.js';
import { idempotencyRequest, type IdempotencyRequest } from './idempotency.js';

/** Reads the Idempotency-Key header; the scope keeps one caller's keys apart from another's. */
export function idempotencyFrom(request: FastifyRequest, caller: string): IdempotencyRequest | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new ValidationError(`Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`, [
      { path: 'headers.idempotency-key', message: `1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` },
    ]);
  }
  const route = `${request.method} ${request.routeOptions.url ?? ''}`;
  return idempotencyRequest(`${caller}|${route}|${JSON.stringify(request.params ?? {})}`, key, request.body);
}
