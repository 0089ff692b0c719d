import type { Role } from '@smart-token/contracts';
import type { LightMyRequestResponse } from 'fastify';
import { Writable } from 'node:stream';
import { buildApp, loggerOptions, type App } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import type { Dialect } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import { memorySecurityLog, type SecurityEvent } from '../modules/auth/security-log.js';
import { StaffSignIn, injectCall } from './admin-sign-in.js';
import { freshDatabase, type TestDatabase } from './databases.js';

export const TEST_PASSWORD = 'correct horse battery staple';
const ACCESS_TOKEN_REUSE_MS = 20 * 60_000;
export const TEST_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
export const TEST_MASTER_KEY = 'test-master-key-that-is-at-least-32-bytes!';
export const TEST_AUDIT_KEY = 'test-audit-key-that-is-at-least-32-bytes!!';

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
    MASTER_KEY: TEST_MASTER_KEY,
    AUDIT_KEY: TEST_AUDIT_KEY,
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
  /** Authorization headers of a signed-in user of that role (one user per role, made on first use; the admin enrolled in 2FA). */
  as(role: Role): Promise<Record<string, string>>;
  /** Signs staff in through the API, enrolling an admin in 2FA when required, and makes their later codes. */
  signIn: StaffSignIn;
  inject: App['inject'];
  close(): Promise<void>;
  /** Creates a department (and counters) through the API as admin. */
  department(input: { code: string; name?: string; counters?: number; [k: string]: unknown }): Promise<{ id: string; code: string; counters: { id: string; name: string }[] }>;
}

export async function startTestApp(
  dialect: Dialect,
  options: { clock?: ManualClock; env?: Record<string, string>; /** Hears every log line (JSON) at the env's LOG_LEVEL; silent without it. */ logStream?: (line: string) => void } = {},
): Promise<TestApp> {
  const db = await freshDatabase(dialect);
  const config = loadConfig(testEnv(db, options.env));
  const security = memorySecurityLog();
  const logger = options.logStream ? { ...(loggerOptions(config) as object), stream: textStream(options.logStream) } : false;
  const app = await buildApp(config, { logger, security, ...(options.clock && { clock: options.clock }) });
  const sessions = new Map<Role, { headers: Record<string, string>; at: number }>();
  const now = () => options.clock?.now() ?? Date.now();
  const signIn = new StaffSignIn(injectCall(app.inject.bind(app)), now);
  // Doctors act only in their departments (issue 14): the test doctor works in every department
  // t.department() makes, so tests that act as('doctor') keep working. Department scoping itself
  // is tested with users of its own (users/user-departments.test.ts).
  const doctorDepartments: string[] = [];
  let doctorId: string | undefined;
  /** The test doctor's departments that still exist (a test may delete one it made). */
  async function liveDoctorDepartments(): Promise<string[]> {
    if (doctorDepartments.length === 0) return [];
    const rows = await app.database.db.selectFrom('departments').select('id').where('id', 'in', doctorDepartments).execute();
    return rows.map((row) => row.id);
  }

  async function as(role: Role): Promise<Record<string, string>> {
    const known = sessions.get(role);
    // Access tokens last 30 minutes by the app's clock: a test that moves the clock signs in again.
    if (known && now() - known.at < ACCESS_TOKEN_REUSE_MS) return known.headers;
    const email = `${role}@test.local`;
    const made = await app.services.users
      .createUser({ email, name: `Test ${role}`, role, password: TEST_PASSWORD, ...(role === 'doctor' && { departmentIds: await liveDoctorDepartments() }) })
      .catch(() => undefined);
    if (made && role === 'doctor') doctorId = made.id;
    const headers = { authorization: `Bearer ${(await signIn.signIn(email, TEST_PASSWORD)).accessToken}` };
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
    signIn,
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
      doctorDepartments.push(dept.id);
      if (doctorId) {
        await app.services.users.updateUser(doctorId, { departmentIds: await liveDoctorDepartments() }, { userId: doctorId, context: { ip: '127.0.0.1', userAgent: undefined, requestId: 'test-harness' } });
      }
      return { ...dept, counters: made };
    },
  };
}

/** A stream that hands everything written to it (an app's log lines) to `onText`. */
export function textStream(onText: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      onText(chunk.toString());
      done();
    },
  });
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
