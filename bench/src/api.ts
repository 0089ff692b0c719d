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

/** A Bearer-authenticated JSON client for the setup steps (the load itself is autocannon's). */
export class Api {
  private constructor(
    readonly url: string,
    readonly accessToken: string,
  ) {}

  static async login(url: string): Promise<Api> {
    const res = await fetch(`${url}${API}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    const body = (await res.json()) as { accessToken?: string; mfaEnrolmentRequired?: boolean };
    if (res.status !== 200 || !body.accessToken) throw new Error(`login failed: ${res.status} ${JSON.stringify(body)}`);
    if (body.mfaEnrolmentRequired) {
      throw new Error('the admin must enrol in 2FA before setup calls; teach bench/src/api.ts to enrol (POST /auth/2fa/setup, /enable) first');
    }
    return new Api(url, body.accessToken);
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
