import type { Role } from '@smart-token/contracts';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type App } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import type { Dialect } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import { memorySecurityLog, type SecurityEvent } from '../modules/auth/security-log.js';
import { freshDatabase, type TestDatabase } from './databases.js';

export const TEST_PASSWORD = 'correct horse battery staple';
const ACCESS_TOKEN_REUSE_MS = 20 * 60_000;
export const TEST_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';

/** A clock the test moves by hand: ageing, day boundaries and service times without sleeping. */
export class ManualClock implements Clock {
  constructor(private current = Date.parse('2026-11-28T04:30:00Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  advanceMinutes(minutes: number): void {
    this.advance(minutes * 60_000);
  }
  set(epochMs: number): void {
    this.current = epochMs;
  }
}

export function testEnv(db: TestDatabase, env: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    DATA_DIR: db.dataDir,
    JWT_SECRET: TEST_SECRET,
    RATE_LIMIT_MULTIPLIER: '1000',
    TZ_QUEUE: 'Asia/Kolkata',
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://clinic.test',
    ...env,
  };
}

export interface TestApp {
  app: App;
  config: Config;
  db: TestDatabase;
  clock: ManualClock | undefined;
  /** Every security event the app recorded, oldest first. */
  security: SecurityEvent[];
  /** Authorization headers of a signed-in user of that role (one user per role, made on first use). */
  as(role: Role): Promise<Record<string, string>>;
  inject: App['inject'];
  close(): Promise<void>;
  /** Creates a department (and counters) through the API as admin. */
  department(input: { code: string; name?: string; counters?: number; [k: string]: unknown }): Promise<{ id: string; code: string; counters: { id: string; name: string }[] }>;
}

export async function startTestApp(dialect: Dialect, options: { clock?: ManualClock; env?: Record<string, string> } = {}): Promise<TestApp> {
  const db = await freshDatabase(dialect);
  const config = loadConfig(testEnv(db, options.env));
  const security = memorySecurityLog();
  const app = await buildApp(config, { logger: false, security, ...(options.clock && { clock: options.clock }) });
  const sessions = new Map<Role, { headers: Record<string, string>; at: number }>();
  const now = () => options.clock?.now() ?? Date.now();

  async function as(role: Role): Promise<Record<string, string>> {
    const known = sessions.get(role);
    // Access tokens last 30 minutes by the app's clock: a test that moves the clock signs in again.
    if (known && now() - known.at < ACCESS_TOKEN_REUSE_MS) return known.headers;
    const email = `${role}@test.local`;
    await app.services.users.createUser({ email, name: `Test ${role}`, role, password: TEST_PASSWORD }).catch(() => undefined);
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: TEST_PASSWORD } });
    if (res.statusCode !== 200) throw new Error(`login as ${role} failed: ${res.statusCode} ${res.body}`);
    const headers = { authorization: `Bearer ${res.json<{ accessToken: string }>().accessToken}` };
    sessions.set(role, { headers, at: now() });
    return headers;
  }

  return {
    app,
    config,
    db,
    clock: options.clock,
    security: security.events,
    as,
    inject: app.inject.bind(app),
    async close() {
      await app.close();
      await db.drop();
    },
    async department(input) {
      const { counters = 1, ...body } = input;
      const res = await app.inject({ method: 'POST', url: '/api/v1/departments', headers: await as('admin'), payload: { name: `${input.code} department`, ...body } });
      if (res.statusCode !== 201) throw new Error(`department: ${res.statusCode} ${res.body}`);
      const dept = res.json<{ id: string; code: string }>();
      const made: { id: string; name: string }[] = [];
      for (let i = 1; i <= counters; i++) {
        const c = await app.inject({ method: 'POST', url: '/api/v1/counters', headers: await as('admin'), payload: { departmentId: dept.id, name: `Room ${i}` } });
        made.push(c.json());
      }
      return { ...dept, counters: made };
    },
  };
}

export function problemOf(res: LightMyRequestResponse): { status: number; code: string; detail: string; errors?: { path: string; message: string }[] } {
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected problem+json, got ${res.statusCode} ${String(res.headers['content-type'])}: ${res.body}`);
  }
  return res.json();
}

let phoneCounter = 0;
/** A distinct valid Indian mobile number per call. */
export function nextPhone(): string {
  phoneCounter += 1;
  return `+9198${String(process.pid % 10000).padStart(4, '0')}${String(phoneCounter).padStart(4, '0')}`;
}
