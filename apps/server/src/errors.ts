import type { ErrorCode } from '@smart-token/contracts';

export interface FieldError {
  path: string;
  message: string;
}

/** An error a client can act on: a stable code, an HTTP status and a sentence naming the thing. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errors?: FieldError[]) {
    super('VALIDATION_FAILED', 400, detail, errors);
  }
}

export class NotFoundError extends AppError {
  constructor(detail: string) {
    super('NOT_FOUND', 404, detail);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string) {
    super('CONFLICT', 409, detail);
  }
}

export class InvalidTransitionError extends AppError {
  constructor(detail: string) {
    super('INVALID_TRANSITION', 409, detail);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(detail = 'Sign in to use this.') {
    super('UNAUTHENTICATED', 401, detail);
  }
}

export class InvalidCredentialsError extends AppError {
  constructor(detail = 'The email or password is not right.') {
    super('INVALID_CREDENTIALS', 401, detail);
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'Your role may not do this.') {
    super('FORBIDDEN', 403, detail);
  }
}

export class RateLimitedError extends AppError {
  constructor(detail: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', 429, detail, undefined, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

export const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
