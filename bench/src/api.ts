import { Secret, TOTP } from 'otpauth';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './processes.js';

/** The few fields of the API the bench reads. */
export interface IssuedToken {
  id: string;
  number: string;
  status: string;
  patient: { name: string; phoneLast4: string };
}

export interface Department {
  id: string;
  code: string;
}

export interface Counter {
  id: string;
  departmentId: string;
}

const API = '/api/v1';

/** RFC 6238 as the server checks it (SHA-1, 6 digits, 30 s). */
const totp = (secret: string) => new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });

/**
 * The bench admin's 2FA, once enrolled (admins must have it): the secret, to make codes for later
 * sign-ins on the same database (a second instance), and the last time step used (the server refuses
 * a code it has seen).
 */
let enrolled: { secret: string; lastStep: number } | undefined;

async function call<T>(url: string, path: string, body: unknown, accessToken?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${API}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(accessToken && { authorization: `Bearer ${accessToken}` }) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** A code of a time step the server has not seen yet for this admin (waits for the next step when two were used). */
async function nextCode(): Promise<string> {
  const state = enrolled!;
  for (;;) {
    const now = Date.now();
    const step = Math.max(state.lastStep + 1, Math.floor(now / 30_000));
    if (step <= Math.floor(now / 30_000) + 1) {
      state.lastStep = step;
      return totp(state.secret).generate({ timestamp: step * 30_000 });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** A Bearer-authenticated JSON client for the setup steps (the load itself is autocannon's). */
export class Api {
  private constructor(
    readonly url: string,
    readonly accessToken: string,
  ) {}

  static async login(url: string): Promise<Api> {
    type Login = { accessToken?: string; mfaEnrolmentRequired?: boolean; code?: string };
    let res = await call<Login>(url, '/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    // Enrolled on an earlier sign-in to this database: the admin's code is asked for.
    if (res.status === 401 && res.body.code === 'OTP_REQUIRED' && enrolled) {
      res = await call<Login>(url, '/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, otp: await nextCode() });
    }
    const { accessToken, mfaEnrolmentRequired } = res.body;
    if (res.status !== 200 || !accessToken) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    if (mfaEnrolmentRequired) {
      // A fresh database: the admin turns on 2FA (setup, then enable with a code), which frees this session.
      const setup = await call<{ secret: string }>(url, '/auth/2fa/setup', {}, accessToken);
      if (setup.status !== 200) throw new Error(`2fa setup failed: ${setup.status} ${JSON.stringify(setup.body)}`);
      const now = Date.now();
      const enable = await call<unknown>(url, '/auth/2fa/enable', { otp: totp(setup.body.secret).generate({ timestamp: now }) }, accessToken);
      if (enable.status !== 200) throw new Error(`2fa enable failed: ${enable.status} ${JSON.stringify(enable.body)}`);
      enrolled = { secret: setup.body.secret, lastStep: Math.floor(now / 30_000) };
    }
    return new Api(url, accessToken);
  }

  get authHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.accessToken}`, 'content-type': 'application/json' };
  }

  async post<T>(path: string, body: unknown, expected: number): Promise<T> {
    const res = await fetch(`${this.url}${API}${path}`, { method: 'POST', headers: this.authHeaders, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== expected) throw new Error(`POST ${path}: expected ${expected}, got ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${API}${path}`, { headers: { authorization: `Bearer ${this.accessToken}` } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path}: got ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  createDepartment(name: string, code: string): Promise<Department> {
    return this.post('/departments', { name, code }, 201);
  }

  createCounter(departmentId: string, name: string): Promise<Counter> {
    return this.post('/counters', { departmentId, name }, 201);
  }

  issue(departmentId: string, patient: { name: string; phone: string }): Promise<IssuedToken> {
    return this.post('/tokens', { departmentId, patient }, 201);
  }

  async callNext(counterId: string): Promise<IssuedToken | null> {
    const body = await this.post<{ token: IssuedToken | null }>(`/counters/${counterId}/call-next`, {}, 200);
    return body.token;
  }

  /** Issues `count` tokens, `parallel` requests at a time, in order of the patients given. */
  async issueMany(departmentId: string, patients: { name: string; phone: string }[], parallel: number): Promise<IssuedToken[]> {
    const issued: IssuedToken[] = [];
    for (let i = 0; i < patients.length; i += parallel) {
      issued.push(...(await Promise.all(patients.slice(i, i + parallel).map((p) => this.issue(departmentId, p)))));
    }
    return issued;
  }
}

/** A valid Indian mobile (the server's default region is IN): +91 98 followed by 8 digits. */
export function indianMobile(n: number): string {
  return `+9198${String(n % 100_000_000).padStart(8, '0')}`;
}

export function patients(count: number, offset = 0): { name: string; phone: string }[] {
  return Array.from({ length: count }, (_, i) => ({ name: `Bench Patient ${offset + i + 1}`, phone: indianMobile(13_572_468 + (offset + i) * 7_919) }));
}
