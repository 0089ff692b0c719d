import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../../test/child-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { openSocket } from '../../test/live-client.js';
import { StaffSignIn, fetchCall } from '../../test/admin-sign-in.js';
import { TEST_PASSWORD, nextPhone, testEnv } from '../../test/test-app.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe.runIf(DIALECTS.includes('postgres'))('live events across two instances on PostgreSQL + Redis', () => {
  let db: TestDatabase;
  let a: ChildServer;
  let b: ChildServer;
  let headers: Record<string, string>;

  async function api(server: ChildServer, path: string, body?: unknown) {
    const res = await fetch(`${server.url}/api/v1${path}`, { method: 'POST', headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    return (await res.json()) as Record<string, unknown>;
  }

  beforeAll(async () => {
    db = await freshDatabase('postgres');
    const env = { ...testEnv(db), REDIS_URL, ADMIN_EMAIL: 'admin@cluster.test', ADMIN_PASSWORD: TEST_PASSWORD };
    a = await startChildServer(env);
    b = await startChildServer(env);
    const login = await new StaffSignIn(fetchCall(a.url)).signIn('admin@cluster.test', TEST_PASSWORD);
    headers = { authorization: `Bearer ${login.accessToken}`, 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('a call made on instance A reaches a board and a patient connected to instance B', async () => {
    const dept = await api(a, '/departments', { code: 'CLU', name: 'Cluster' });
    const counter = await api(a, '/counters', { departmentId: dept.id, name: 'Room 7' });
    const token = await api(a, '/tokens', { departmentId: dept.id, patient: { name: 'Zara', phone: nextPhone() } });

    const { ticket } = (await api(a, '/live/ticket')) as { ticket: string };
    const staff = await openSocket(`${b.url.replace('http', 'ws')}/api/v1/live?ticket=${ticket}`);
    staff.send({ action: 'subscribe', topic: 'department', departmentId: dept.id });
    await staff.next((m) => m.type === 'subscribed');
    const patient = await openSocket(`${b.url.replace('http', 'ws')}/api/v1/live`);
    patient.send({ action: 'subscribe', topic: 'status', statusKey: token.statusKey });
    await patient.next((m) => m.type === 'subscribed');

    await api(a, `/counters/${counter.id as string}/call-next`);
    expect(await staff.next((m) => m.type === 'token.called')).toMatchObject({ token: { number: token.number }, counterName: 'Room 7' });
    expect(await patient.next((m) => m.type === 'token.called')).toMatchObject({ status: { number: token.number, status: 'called', counterName: 'Room 7' } });
    staff.close();
    patient.close();
  });
});
