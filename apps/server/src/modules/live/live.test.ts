import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { openSocket, type TestSocket } from '../../test/live-client.js';
import { queueApi } from '../../test/queue-api.js';
import { startTestApp, type TestApp } from '../../test/test-app.js';

describe.each(DIALECTS)('live updates on %s', (dialect) => {
  let t: TestApp;
  let api: ReturnType<typeof queueApi>;
  let base: string;
  let dept: Awaited<ReturnType<TestApp['department']>>;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp(dialect);
    api = queueApi(t);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    base = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1/live`;
    dept = await t.department({ code: 'LIV', counters: 2 });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t.close();
  });

  async function ticket(role: 'doctor' | 'display' | 'receptionist' = 'doctor'): Promise<string> {
    const res = await t.inject({ method: 'POST', url: '/api/v1/live/ticket', headers: await t.as(role) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().expiresIn).toBeLessThanOrEqual(60);
    return res.json<{ ticket: string }>().ticket;
  }

  async function connect(query = ''): Promise<TestSocket> {
    const socket = await openSocket(`${base}${query}`);
    sockets.push(socket);
    return socket;
  }

  async function staffSocket(role: 'doctor' | 'display' = 'doctor', since?: number): Promise<TestSocket> {
    const socket = await connect(`?ticket=${await ticket(role)}`);
    socket.send({ action: 'subscribe', topic: 'department', departmentId: dept.id, ...(since !== undefined && { since }) });
    await socket.next((m) => m.type === 'subscribed');
    return socket;
  }

  it('refuses a spent or unknown ticket before the upgrade', async () => {
    const once = await ticket();
    await connect(`?ticket=${once}`);
    await expect(openSocket(`${base}?ticket=${once}`)).rejects.toThrow(/401/);
    await expect(openSocket(`${base}?ticket=not-a-ticket`)).rejects.toThrow(/401/);
  });

  it('gives a connection without a login no department topic', async () => {
    const anonymous = await connect();
    anonymous.send({ action: 'subscribe', topic: 'department', departmentId: dept.id });
    expect(await anonymous.next((m) => m.type === 'error')).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('pushes each committed change to staff with the department’s seq, in order, and nothing for a refused one', async () => {
    const staff = await staffSocket();
    const token = await api.issue(dept.id, undefined, 'Ravi Kumar');
    const issued = await staff.next((m) => m.type === 'token.issued');
    expect(issued).toMatchObject({ departmentId: dept.id, token: { id: token.id, number: token.number, patient: { name: 'Ravi Kumar' } } });

    expect((await api.act(token.id, 'start')).statusCode).toBe(409);
    await api.callNext(dept.counters[0]!.id);
    const called = await staff.next((m) => m.type === 'token.called');
    expect(called.seq).toBe((issued.seq as number) + 1);
    expect(called).toMatchObject({ counterName: 'Room 1', token: { status: 'called' } });
  });

  it('shows a board display-safe tokens only', async () => {
    const board = await staffSocket('display');
    await api.issue(dept.id, undefined, 'Meera Nair');
    const event = await board.next((m) => m.type === 'token.issued');
    expect(JSON.stringify(event)).not.toContain('Meera');
    expect(event.token).not.toHaveProperty('patient');
    expect(event.token).not.toHaveProperty('id');
  });

  it('adds initials, and only initials, for a board whose privacy profile asks for them', async () => {
    const socket = await connect(`?ticket=${await ticket('display')}`);
    socket.send({ action: 'subscribe', topic: 'department', departmentId: dept.id, privacy: 'initials' });
    await socket.next((m) => m.type === 'subscribed');
    await api.issue(dept.id, undefined, 'Kavya Iyer');
    const event = await socket.next((m) => m.type === 'token.issued');
    expect(event.token).toMatchObject({ initials: 'K.I.' });
    expect(JSON.stringify(event)).not.toContain('Kavya');
  });

  it('serves the board with numbers and counters, and initials only when asked', async () => {
    const board = await t.inject({ method: 'GET', url: `/api/v1/departments/${dept.id}/board`, headers: await t.as('display') });
    expect(board.statusCode).toBe(200);
    expect(board.json()).toMatchObject({ departmentName: 'LIV department' });
    expect(board.body).not.toContain('initials');
    const withInitials = await t.inject({ method: 'GET', url: `/api/v1/departments/${dept.id}/board?privacy=initials`, headers: await t.as('display') });
    expect(withInitials.json().next.every((n: { initials?: string }) => typeof n.initials === 'string')).toBe(true);
    expect(withInitials.body).not.toMatch(/Patient|Ravi|Meera|Kavya/);
  });

  it('replays what a reconnecting client missed, in order, from `since`', async () => {
    const first = await staffSocket();
    await api.issue(dept.id);
    const seen = (await first.next((m) => m.type === 'token.issued')).seq as number;
    first.close();
    const a = await api.issue(dept.id);
    await api.act(a.id, 'cancel');
    await api.issue(dept.id);
    const again = await staffSocket('doctor', seen);
    const replayed = [await again.next((m) => m.seq === seen + 1), await again.next((m) => m.seq === seen + 2), await again.next((m) => m.seq === seen + 3)];
    expect(replayed.map((m) => m.type)).toEqual(['token.issued', 'token.cancelled', 'token.issued']);
  });

  it('tells a client to reload when the gap is no longer kept', async () => {
    await api.issue(dept.id);
    await t.app.database.db.deleteFrom('live_events').where('department_id', '=', dept.id).execute();
    await api.issue(dept.id);
    const late = await connect(`?ticket=${await ticket()}`);
    late.send({ action: 'subscribe', topic: 'department', departmentId: dept.id, since: 0 });
    expect(await late.next((m) => m.type === 'resync')).toMatchObject({ departmentId: dept.id });
  });

  it('sends a patient only their own token: place, wait and the counter when called', async () => {
    const mine = await api.issue(dept.id, undefined, 'Patient Mine');
    const other = await api.issue(dept.id, undefined, 'Patient Other');
    const patient = await connect();
    patient.send({ action: 'subscribe', topic: 'status', statusKey: mine.statusKey });
    const subscribed = await patient.next((m) => m.type === 'subscribed');
    expect(subscribed.status).toMatchObject({ number: mine.number, status: 'waiting' });

    // Drain the line ahead of us until our token is called.
    for (;;) {
      const called = await api.callNext(dept.counters[1]!.id);
      if (!called || called.id === mine.id) break;
    }
    const calledEvent = await patient.next((m) => m.type === 'token.called');
    expect(calledEvent.status).toMatchObject({ number: mine.number, status: 'called', counterName: 'Room 2' });
    await api.act(other.id, 'cancel');

    const text = JSON.stringify(patient.messages.concat(subscribed, calledEvent));
    expect(text).not.toContain(other.number);
    expect(text).not.toContain('Patient');
    expect(text).not.toContain(mine.id);
  });

  it('follows a patient by number and last 4 digits, with the lookup’s lockout', async () => {
    const patient = await connect();
    patient.send({ action: 'subscribe', topic: 'status', token: 'LIV-999', phoneLast4: '0000' });
    expect(await patient.next((m) => m.type === 'error')).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers a bad message with an error frame and keeps the connection', async () => {
    const socket = await connect();
    socket.send('not json');
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({ code: 'VALIDATION_FAILED' });
    socket.send({ action: 'subscribe', topic: 'nothing' });
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({ code: 'VALIDATION_FAILED' });
    socket.send({ action: 'ping' });
    expect(await socket.next((m) => m.type === 'pong')).toEqual({ type: 'pong' });
  });

  it('closes a connection that sends more than the payload limit', async () => {
    const socket = await connect();
    socket.send({ action: 'ping', pad: 'x'.repeat(10_000) });
    expect((await socket.closed).code).toBe(1009);
  });
});
