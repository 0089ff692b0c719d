import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { TEST_PASSWORD, nextPhone, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

interface Tok {
  id: string;
  number: string;
  departmentId: string;
  status: string;
  patient: { name: string; phoneLast4: string; hidden?: true };
}

describe.each(DIALECTS)('users’ departments on %s', (dialect) => {
  let t: TestApp;
  let cardio: Awaited<ReturnType<TestApp['department']>>;
  let ortho: Awaited<ReturnType<TestApp['department']>>;
  /** Authorization headers of a doctor of cardiology only, a receptionist of cardiology only, a doctor of nothing. */
  let cardioDoctor: Record<string, string>;
  let cardioDoctorId: string;
  let cardioReceptionist: Record<string, string>;
  let idleDoctor: Record<string, string>;

  async function makeUser(email: string, role: 'doctor' | 'receptionist', departmentIds: string[]): Promise<{ id: string; headers: Record<string, string> }> {
    const made = await t.inject({ method: 'POST', url: '/api/v1/users', headers: await t.as('admin'), payload: { email, name: email.split('@')[0], role, password: TEST_PASSWORD, departmentIds } });
    expect(made.statusCode, made.body).toBe(201);
    const login = await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: TEST_PASSWORD } });
    expect(login.statusCode, login.body).toBe(200);
    return { id: made.json<{ id: string }>().id, headers: { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` } };
  }

  async function issue(departmentId: string, name = 'Asha Rao'): Promise<Tok> {
    const res = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: { departmentId, patient: { name, phone: nextPhone() } } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Tok>();
  }

  const post = (url: string, headers: Record<string, string>, payload: object = {}) => t.inject({ method: 'POST', url, headers, payload });
  const get = (url: string, headers: Record<string, string>) => t.inject({ method: 'GET', url, headers });
  const setReceptionEverywhere = async (receptionistsEverywhere: boolean) => {
    const res = await t.inject({ method: 'PUT', url: '/api/v1/settings/access', headers: await t.as('admin'), payload: { receptionistsEverywhere } });
    expect(res.statusCode, res.body).toBe(200);
  };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    cardio = await t.department({ code: 'CAR', name: 'Cardiology', counters: 1 });
    ortho = await t.department({ code: 'ORT', name: 'Orthopaedics', counters: 1 });
    ({ id: cardioDoctorId, headers: cardioDoctor } = await makeUser('heart@dept.test', 'doctor', [cardio.id]));
    ({ headers: cardioReceptionist } = await makeUser('desk@dept.test', 'receptionist', [cardio.id]));
    ({ headers: idleDoctor } = await makeUser('idle@dept.test', 'doctor', []));
  });
  afterAll(() => t.close());

  it('lists, returns and reports a user’s departments', async () => {
    const users = (await get('/api/v1/users', await t.as('admin'))).json<{ email: string; departmentIds: string[] }[]>();
    expect(users.find((u) => u.email === 'heart@dept.test')?.departmentIds).toEqual([cardio.id]);
    expect(users.find((u) => u.email === 'idle@dept.test')?.departmentIds).toEqual([]);
    expect((await get('/api/v1/auth/me', cardioDoctor)).json()).toMatchObject({ role: 'doctor', departmentIds: [cardio.id] });
    expect((await get('/api/v1/auth/me', await t.as('admin'))).json()).toMatchObject({ role: 'admin', departmentIds: null });
  });

  it('refuses an unknown department id by name, on create and on update, and writes nothing', async () => {
    const created = await t.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: await t.as('admin'),
      payload: { email: 'ghost@dept.test', name: 'Ghost', role: 'doctor', password: TEST_PASSWORD, departmentIds: [cardio.id, 'no-such-dept'] },
    });
    expect(created.statusCode).toBe(400);
    expect(problemOf(created)).toMatchObject({ code: 'VALIDATION_FAILED', detail: 'Department no-such-dept does not exist.' });
    expect((await get('/api/v1/users', await t.as('admin'))).json<{ email: string }[]>().some((u) => u.email === 'ghost@dept.test')).toBe(false);

    const patched = await t.inject({ method: 'PATCH', url: `/api/v1/users/${cardioDoctorId}`, headers: await t.as('admin'), payload: { departmentIds: ['gone-dept'] } });
    expect(patched.statusCode).toBe(400);
    expect(problemOf(patched).detail).toContain('gone-dept');
    expect((await get('/api/v1/auth/me', cardioDoctor)).json()).toMatchObject({ departmentIds: [cardio.id] });
  });

  it('lets a doctor call only at counters of their departments', async () => {
    await issue(ortho.id);
    const there = await post(`/api/v1/counters/${ortho.counters[0]!.id}/call-next`, cardioDoctor);
    expect(there.statusCode).toBe(403);
    expect(problemOf(there)).toMatchObject({ code: 'FORBIDDEN' });
    expect(problemOf(there).detail).toContain('Orthopaedics');
    for (const path of ['complete-and-call-next', 'last-action', 'recent']) {
      const res = path === 'complete-and-call-next' ? await post(`/api/v1/counters/${ortho.counters[0]!.id}/${path}`, cardioDoctor) : await get(`/api/v1/counters/${ortho.counters[0]!.id}/${path}`, cardioDoctor);
      expect(res.statusCode, path).toBe(403);
    }
    // Nobody was called by the refused requests: the orthopaedics patient still waits.
    expect((await get(`/api/v1/departments/${ortho.id}/queue`, await t.as('admin'))).json<{ called: Tok[] }>().called).toEqual([]);

    const mine = await issue(cardio.id);
    const here = await post(`/api/v1/counters/${cardio.counters[0]!.id}/call-next`, cardioDoctor);
    expect(here.statusCode, here.body).toBe(200);
    expect(here.json<{ token: Tok }>().token.id).toBe(mine.id);
    expect((await post(`/api/v1/tokens/${mine.id}/complete`, cardioDoctor)).statusCode).toBe(200);
  });

  it('keeps a doctor with no department from calling anywhere (fail closed)', async () => {
    await issue(cardio.id);
    const res = await post(`/api/v1/counters/${cardio.counters[0]!.id}/call-next`, idleDoctor);
    expect(res.statusCode).toBe(403);
    expect(problemOf(res).detail).toContain('Cardiology');
    expect((await get(`/api/v1/departments/${cardio.id}/queue`, idleDoctor)).statusCode).toBe(403);
  });

  it('refuses a doctor’s reads and actions on another department’s tokens with 403 naming the department', async () => {
    const theirs = await issue(ortho.id);
    const queue = await get(`/api/v1/departments/${ortho.id}/queue`, cardioDoctor);
    expect(queue.statusCode).toBe(403);
    expect(problemOf(queue).detail).toContain('Orthopaedics');
    expect((await get(`/api/v1/tokens/${theirs.id}`, cardioDoctor)).statusCode).toBe(403);
    for (const action of ['recall', 'start', 'complete', 'park', 'no-show', 'cancel', 'undo', 'reprint']) {
      const res = await post(`/api/v1/tokens/${theirs.id}/${action}`, cardioDoctor);
      expect(res.statusCode, action).toBe(403);
      expect(problemOf(res).detail, action).toContain('Orthopaedics');
    }
    expect((await post(`/api/v1/tokens/${theirs.id}/transfer`, cardioDoctor, { departmentId: cardio.id })).statusCode).toBe(403);
    expect((await post(`/api/v1/tokens/${theirs.id}/call`, cardioDoctor, { counterId: ortho.counters[0]!.id })).statusCode).toBe(403);
    expect((await post('/api/v1/tokens', cardioDoctor, { departmentId: ortho.id, patient: { name: 'X Y', phone: nextPhone() } })).statusCode).toBe(403);
    // Untouched by all of that.
    expect((await get(`/api/v1/tokens/${theirs.id}`, await t.as('admin'))).json<Tok & { history: unknown[] }>()).toMatchObject({ status: 'waiting', history: [expect.anything()] });
  });

  it('lets a doctor transfer their department’s token to another department, and take it back with undo', async () => {
    const mine = await issue(cardio.id, 'Ravi Kumar');
    const moved = await post(`/api/v1/tokens/${mine.id}/transfer`, cardioDoctor, { departmentId: ortho.id });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json<{ token: Tok }>().token).toMatchObject({ departmentId: ortho.id, status: 'waiting', number: mine.number });
    // It is orthopaedics' token now.
    expect((await get(`/api/v1/tokens/${mine.id}`, cardioDoctor)).statusCode).toBe(403);
    expect((await post(`/api/v1/tokens/${mine.id}/cancel`, cardioDoctor)).statusCode).toBe(403);
    const undone = await post(`/api/v1/tokens/${mine.id}/undo`, cardioDoctor);
    expect(undone.statusCode, undone.body).toBe(200);
    expect(undone.json<{ token: Tok }>().token.departmentId).toBe(cardio.id);
  });

  it('hides patients’ names and phones from a doctor outside the token’s department, not from reception', async () => {
    const theirs = await issue(ortho.id, 'Meena Iyer');
    const mine = await issue(cardio.id, 'Kiran Shah');
    const search = async (query: string, headers: Record<string, string>) => {
      const res = await post('/api/v1/tokens/search', headers, { query });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ tokens: Tok[] }>().tokens;
    };
    const [hidden] = await search(theirs.number, cardioDoctor);
    expect(hidden).toMatchObject({ id: theirs.id, number: theirs.number, patient: { name: '', phoneLast4: '', hidden: true } });
    expect(JSON.stringify(await search(theirs.number, cardioDoctor))).not.toContain('Meena');
    expect(await search('Meena', cardioDoctor)).toEqual([expect.objectContaining({ id: theirs.id, patient: expect.objectContaining({ hidden: true }) })]);
    const [shown] = await search(mine.number, cardioDoctor);
    expect(shown?.patient).toEqual({ name: 'Kiran Shah', phoneLast4: mine.patient.phoneLast4 });
    for (const headers of [cardioReceptionist, await t.as('receptionist'), await t.as('admin')]) {
      expect((await search(theirs.number, headers))[0]?.patient).toEqual({ name: 'Meena Iyer', phoneLast4: theirs.patient.phoneLast4 });
    }
  });

  it('lets receptionists work everywhere by default, and only in their own departments when the clinic confines them', async () => {
    const theirs = await issue(ortho.id);
    expect((await get(`/api/v1/departments/${ortho.id}/queue`, cardioReceptionist)).statusCode).toBe(200);
    expect((await get('/api/v1/auth/me', cardioReceptionist)).json()).toMatchObject({ departmentIds: null });

    await setReceptionEverywhere(false);
    try {
      expect((await t.inject({ method: 'GET', url: '/api/v1/settings/access', headers: await t.as('admin') })).json()).toEqual({ receptionistsEverywhere: false });
      const refused = await get(`/api/v1/departments/${ortho.id}/queue`, cardioReceptionist);
      expect(refused.statusCode).toBe(403);
      expect(problemOf(refused).detail).toContain('Orthopaedics');
      expect((await post(`/api/v1/tokens/${theirs.id}/cancel`, cardioReceptionist)).statusCode).toBe(403);
      expect((await get(`/api/v1/departments/${cardio.id}/queue`, cardioReceptionist)).statusCode).toBe(200);
      expect((await get('/api/v1/auth/me', cardioReceptionist)).json()).toMatchObject({ departmentIds: [cardio.id] });
      // Admins work everywhere whatever the setting.
      expect((await get(`/api/v1/departments/${ortho.id}/queue`, await t.as('admin'))).statusCode).toBe(200);
      expect((await post(`/api/v1/tokens/${theirs.id}/cancel`, await t.as('admin'))).statusCode).toBe(200);
    } finally {
      await setReceptionEverywhere(true);
    }
    expect((await get(`/api/v1/departments/${ortho.id}/queue`, cardioReceptionist)).statusCode).toBe(200);
  });

  it('applies a change of a doctor’s departments from their next request', async () => {
    const url = `/api/v1/departments/${ortho.id}/queue`;
    expect((await get(url, cardioDoctor)).statusCode).toBe(403);
    const both = await t.inject({ method: 'PATCH', url: `/api/v1/users/${cardioDoctorId}`, headers: await t.as('admin'), payload: { departmentIds: [ortho.id, cardio.id] } });
    expect(both.statusCode, both.body).toBe(200);
    expect(both.json<{ departmentIds: string[] }>().departmentIds).toEqual([cardio.id, ortho.id].sort());
    expect((await get(url, cardioDoctor)).statusCode).toBe(200);

    const back = await t.inject({ method: 'PATCH', url: `/api/v1/users/${cardioDoctorId}`, headers: await t.as('admin'), payload: { departmentIds: [cardio.id] } });
    expect(back.statusCode, back.body).toBe(200);
    expect((await get(url, cardioDoctor)).statusCode).toBe(403);
  });
});
