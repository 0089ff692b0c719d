import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { openSocket, type TestSocket } from '../../test/live-client.js';
import { queueApi } from '../../test/queue-api.js';
import { TEST_PASSWORD, nextPhone, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

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
    expect(called).toMatchObject({ counterName: 'Room 1', token: { id: token.id, status: 'called' } });
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
    // A patient of its own, first in line, so the board is checked on a real entry and not an empty list.
    const first = await api.issue(dept.id, 'emergency', 'Lakshmi Menon');
    const board = await t.inject({ method: 'GET', url: `/api/v1/departments/${dept.id}/board`, headers: await t.as('display') });
    expect(board.statusCode).toBe(200);
    expect(board.json()).toMatchObject({ departmentName: 'LIV department' });
    expect(board.json<{ next: unknown[] }>().next[0]).toEqual({ number: first.number });
    expect(board.body).not.toContain('initials');
    const withInitials = await t.inject({ method: 'GET', url: `/api/v1/departments/${dept.id}/board?privacy=initials`, headers: await t.as('display') });
    const next = withInitials.json<{ next: { number: string; initials?: string }[] }>().next;
    expect(next[0]).toEqual({ number: first.number, initials: 'L.M.' });
    expect(next.every((n) => typeof n.initials === 'string')).toBe(true);
    expect(withInitials.body).not.toMatch(/Patient|Ravi|Meera|Kavya|Lakshmi|Menon/);
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
    const cancelled = await api.act(other.id, 'cancel');
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    // The patient gets nothing for that cancel, so wait for a later change of their own token: once it
    // has arrived, the cancel's delivery has run too, and anything it leaked is in the messages below.
    expect((await api.act(mine.id, 'start')).statusCode).toBe(200);
    const marker = await patient.next((m) => m.type === 'token.started');
    expect(marker.status).toMatchObject({ number: mine.number, status: 'serving' });

    const text = JSON.stringify([subscribed, calledEvent, marker, ...patient.messages]);
    expect(text).not.toContain(other.number);
    expect(text).not.toContain('Patient');
    expect(text).not.toContain(mine.id);
  });

  it('follows a patient by number and last 4 digits, with the lookup’s lockout', async () => {
    const issueWith = async (phone: string) => {
      const res = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: { departmentId: dept.id, patient: { name: 'Nila Das', phone } } });
      expect(res.statusCode, res.body).toBe(201);
      return { number: res.json<{ number: string }>().number, right: phone.slice(-4), wrong: phone.endsWith('0000') ? '1111' : '0000' };
    };
    /** The answer to one subscribe by number: `subscribed` or an error frame. */
    const follow = async (socket: TestSocket, token: string, phoneLast4: string) => {
      socket.send({ action: 'subscribe', topic: 'status', token, phoneLast4 });
      return socket.next((m) => m.type === 'subscribed' || m.type === 'error');
    };
    const lookup = (token: string, phoneLast4: string) => t.inject({ method: 'POST', url: '/api/v1/public/status', payload: { token, phoneLast4 } });
    const target = await issueWith(nextPhone());
    const other = await issueWith(nextPhone());
    const patient = await connect();

    expect(await follow(patient, target.number, target.right)).toMatchObject({ type: 'subscribed', status: { number: target.number, status: 'waiting' } });
    expect(await follow(patient, 'LIV-999', target.right)).toMatchObject({ type: 'error', code: 'NOT_FOUND' });

    // Five wrong tries through the socket: each a plain NOT_FOUND (so four did not lock it), the fifth locks.
    for (let i = 1; i <= 5; i++) expect(await follow(patient, target.number, target.wrong), `try ${i}`).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
    // The sixth is refused even with the right digits, on this socket, on a new one and over HTTP: one lock per number.
    const locked = await follow(patient, target.number, target.right);
    expect(locked).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    expect(locked.detail).toContain(target.number);
    expect(await follow(await connect(), target.number, target.right)).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    const overHttp = await lookup(target.number, target.right);
    expect(overHttp.statusCode).toBe(429);
    expect(problemOf(overHttp).code).toBe('RATE_LIMITED');

    // Another number is untouched; and failures over HTTP lock the socket path the same way.
    expect(await follow(await connect(), other.number, other.right)).toMatchObject({ type: 'subscribed', status: { number: other.number } });
    for (let i = 1; i <= 5; i++) expect((await lookup(other.number, other.wrong)).statusCode, `try ${i}`).toBe(404);
    expect(await follow(await connect(), other.number, other.right)).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
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

  it('closes a staff socket as soon as its session ends, not at the next heartbeat 30 s later', async () => {
    await t.app.services.users.createUser({ email: 'leaving@live.test', name: 'Leaving Doctor', role: 'doctor', password: TEST_PASSWORD, departmentIds: [dept.id] });
    const login = await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'leaving@live.test', password: TEST_PASSWORD } });
    const headers = { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` };
    const { ticket: own } = (await t.inject({ method: 'POST', url: '/api/v1/live/ticket', headers })).json<{ ticket: string }>();
    const socket = await connect(`?ticket=${own}`);
    socket.send({ action: 'subscribe', topic: 'department', departmentId: dept.id });
    await socket.next((m) => m.type === 'subscribed');
    // The heartbeat pings every socket before it checks sessions: a close with no ping before it came from the logout.
    let pinged = false;
    socket.ws.on('ping', () => (pinged = true));
    expect((await t.inject({ method: 'POST', url: '/api/v1/auth/logout', headers })).statusCode).toBe(204);
    expect((await socket.closed).code).toBe(1008);
    expect(pinged).toBe(false);
  });

  it('closes the sockets of a user an admin disables, at once', async () => {
    await t.app.services.users.createUser({ email: 'disabled@live.test', name: 'Disabled Doctor', role: 'doctor', password: TEST_PASSWORD, departmentIds: [dept.id] });
    const login = await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'disabled@live.test', password: TEST_PASSWORD } });
    const session = login.json<{ accessToken: string; user: { id: string } }>();
    const { ticket: own } = (await t.inject({ method: 'POST', url: '/api/v1/live/ticket', headers: { authorization: `Bearer ${session.accessToken}` } })).json<{ ticket: string }>();
    const socket = await connect(`?ticket=${own}`);
    socket.send({ action: 'subscribe', topic: 'department', departmentId: dept.id });
    await socket.next((m) => m.type === 'subscribed');
    let pinged = false;
    socket.ws.on('ping', () => (pinged = true));
    const disabled = await t.inject({ method: 'PATCH', url: `/api/v1/users/${session.user.id}`, headers: await t.as('admin'), payload: { disabled: true } });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect((await socket.closed).code).toBe(1008);
    expect(pinged).toBe(false);
  });

  it('lets only the clinic’s own pages open a live socket: another site’s Origin is refused before the upgrade', async () => {
    const own = new URL(base).host;
    await expect(openSocket(base, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    sockets.push(await openSocket(base, { origin: `http://${own}` }));
    sockets.push(await openSocket(base, { origin: 'http://clinic.test' }));
  });
});
