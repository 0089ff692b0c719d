import type { LightMyRequestResponse } from 'fastify';
import type { RecoveryCodes, SessionResponse, TwoFactorSetup } from '@smart-token/contracts';
import { TOTP_PERIOD_SECONDS, totpCode, totpStep } from '../modules/auth/two-factor.js';

/** One JSON call to the API, by inject or by fetch: status and parsed body. */
export type ApiCall = (method: 'GET' | 'POST', path: string, body?: unknown, accessToken?: string) => Promise<{ status: number; body: unknown }>;

/** An ApiCall through app.inject (a test app in this process). */
export function injectCall(inject: (opts: { method: 'GET' | 'POST'; url: string; payload?: unknown; headers?: Record<string, string> }) => Promise<LightMyRequestResponse>): ApiCall {
  return async (method, path, body, accessToken) => {
    const res = await inject({ method, url: path, ...(body !== undefined && { payload: body }), ...(accessToken && { headers: { authorization: `Bearer ${accessToken}` } }) });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as unknown) : undefined };
  };
}

/** An ApiCall over HTTP (a child server). */
export function fetchCall(baseUrl: string | (() => string)): ApiCall {
  return async (method, path, body, accessToken) => {
    const url = typeof baseUrl === 'string' ? baseUrl : baseUrl();
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(accessToken && { authorization: `Bearer ${accessToken}` }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
}

/** What the tests keep of an account they enrolled: its secret, the recovery codes not yet used, the last time step used. */
interface Enrolment {
  secret: string;
  recoveryCodes: string[];
  lastStep: number;
}

/**
 * Signs staff in as a person would, through POST /auth/login, including the second factor: an admin
 * without 2FA is enrolled on the spot (setup, then enable with the current code), which frees that
 * session; later sign-ins send a code of a time step not used yet (the server refuses replays), and
 * when two sign-ins have used this step and the next, a recovery code. One per server (or database):
 * it remembers the secrets it enrolled there.
 */
export class StaffSignIn {
  private readonly enrolments = new Map<string, Enrolment>();

  constructor(
    private readonly call: ApiCall,
    /** The server's clock (a ManualClock in tests that move time, else the real one). */
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether this helper enrolled the account (and so can make its codes). */
  enrolled(email: string): boolean {
    return this.enrolments.has(email);
  }

  /** A second factor the server has not seen for this account: a code of this step or the next, else a recovery code. */
  nextOtp(email: string): string {
    const enrolment = this.enrolments.get(email);
    if (!enrolment) throw new Error(`${email} was not enrolled in 2FA by this helper: it has no secret to make a code from`);
    const current = totpStep(this.now());
    const step = Math.max(enrolment.lastStep + 1, current);
    if (step <= current + 1) {
      enrolment.lastStep = step;
      return totpCode(enrolment.secret, step * TOTP_PERIOD_SECONDS * 1000);
    }
    const recovery = enrolment.recoveryCodes.shift();
    if (!recovery) throw new Error(`${email} signed in more often than two codes a step and ten recovery codes allow; move the clock on`);
    return recovery;
  }

  /**
   * As nextOtp, but when this step's codes and every recovery code are used it waits for the next
   * step, as a person would (on the real clock; a hand-moved clock that does not move still throws).
   * A run faster than one sign-in per 15 s would otherwise fail by its speed alone.
   */
  async nextOtpWaiting(email: string): Promise<string> {
    const enrolment = this.enrolments.get(email);
    if (enrolment && enrolment.recoveryCodes.length === 0) {
      const current = totpStep(this.now());
      if (enrolment.lastStep + 1 > current + 1) {
        const nextStepAt = enrolment.lastStep * TOTP_PERIOD_SECONDS * 1000;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextStepAt - this.now()) + 50));
      }
    }
    return this.nextOtp(email);
  }

  /** Signs in; an admin without 2FA is enrolled first. Returns the login response (with the session now free). */
  async signIn(email: string, password: string): Promise<SessionResponse> {
    const otp = this.enrolments.has(email) ? await this.nextOtpWaiting(email) : undefined;
    const res = await this.call('POST', '/api/v1/auth/login', { email, password, ...(otp && { otp }) });
    if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
    const session = res.body as SessionResponse;
    if (!session.mfaEnrolmentRequired) return session;
    await this.enrol(email, session.accessToken);
    const { mfaEnrolmentRequired: _done, ...freed } = session;
    return freed;
  }

  /** Enrols the signed-in account in 2FA through the two enrolment endpoints; returns its secret and recovery codes. */
  async enrol(email: string, accessToken: string): Promise<{ secret: string; recoveryCodes: string[] }> {
    const setup = await this.call('POST', '/api/v1/auth/2fa/setup', undefined, accessToken);
    if (setup.status !== 200) throw new Error(`2fa setup for ${email}: ${setup.status} ${JSON.stringify(setup.body)}`);
    const { secret } = setup.body as TwoFactorSetup;
    const now = this.now();
    const enable = await this.call('POST', '/api/v1/auth/2fa/enable', { otp: totpCode(secret, now) }, accessToken);
    if (enable.status !== 200) throw new Error(`2fa enable for ${email}: ${enable.status} ${JSON.stringify(enable.body)}`);
    const { recoveryCodes } = enable.body as RecoveryCodes;
    this.enrolments.set(email, { secret, recoveryCodes: [...recoveryCodes], lastStep: totpStep(now) });
    return { secret, recoveryCodes };
  }
}
