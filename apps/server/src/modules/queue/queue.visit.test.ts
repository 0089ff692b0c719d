import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { ManualClock, nextPhone, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

describe.each(DIALECTS)('a patient visit on %s', (dialect) => {
  let t: TestApp;
  let gen: Awaited<ReturnType<TestApp['department']>>;
  let lab: Awaited<ReturnType<TestApp['department']>>;
  const clock = new ManualClock();

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
    gen = await t.department({ code: 'GEN', name: 'General OPD', counters: 2 });
    lab = await t.department({ code: 'LAB', name: 'Laboratory', counters: 1 });
  });
  afterAll(() => t.close());

  async function issue(departmentId: string, priority?: string) {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: await t.as('receptionist'),
      payload: { departmentId, patient: { name: 'Asha Rao', phone: nextPhone() }, ...(priority && { priority }) },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; number: string; status: string; position: number; estimatedWait: { minMinutes: number; maxMinutes: number }; statusKey: string }>();
  }

  async function act(tokenId: string, action: string, payload?: object) {
    return t.inject({ method: 'POST', url: `/api/v1/tokens/${tokenId}/${action}`, headers: await t.as('doctor'), ...(payload && { payload }) });
  }

  it('keeps one number through registration, consultation and the lab, with every step in the history', async () => {
    const token = await issue(gen.id);
    expect(token.number).toMatch(/^GEN-\d{3}$/);
    expect(token.status).toBe('waiting');
    expect(token.position).toBe(1);
    expect(token.estimatedWait.maxMinutes).toBeGreaterThan(token.estimatedWait.minMinutes);

    const called = await t.inject({ method: 'POST', url: `/api/v1/counters/${gen.counters[0]!.id}/call-next`, headers: await t.as('doctor') });
    expect(called.statusCode).toBe(200);
    expect(called.json().token).toMatchObject({ id: token.id, status: 'called', counterId: gen.counters[0]!.id });

    clock.advanceMinutes(1);
    expect((await act(token.id, 'start')).json().token.status).toBe('serving');
    clock.advanceMinutes(7);
    const sent = await act(token.id, 'complete', { nextDepartmentId: lab.id });
    expect(sent.json().token).toMatchObject({ number: token.number, status: 'waiting', departmentId: lab.id });

    const labCall = await t.inject({ method: 'POST', url: `/api/v1/counters/${lab.counters[0]!.id}/call-next`, headers: await t.as('doctor') });
    expect(labCall.json().token.number).toBe(token.number);
    expect((await act(token.id, 'complete')).json().token.status).toBe('completed');

    const history = await t.inject({ method: 'GET', url: `/api/v1/tokens/${token.id}`, headers: await t.as('receptionist') });
    expect(history.json().history.map((h: { action: string; toStatus: string }) => `${h.action}:${h.toStatus}`)).toEqual([
      'issue:waiting',
      'call:called',
      'start:serving',
      'complete:waiting',
      'call:called',
      'complete:completed',
    ]);
    expect(history.json().history[0].by).toBe('Test receptionist');
  });

  it('answers { token: null } when nobody waits', async () => {
    const res = await t.inject({ method: 'POST', url: `/api/v1/counters/${lab.counters[0]!.id}/call-next`, headers: await t.as('doctor') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ token: null });
  });

  it('refuses an action the status does not allow with 409 naming the token', async () => {
    const token = await issue(lab.id);
    const res = await act(token.id, 'start');
    expect(res.statusCode).toBe(409);
    const problem = problemOf(res);
    expect(problem.code).toBe('INVALID_TRANSITION');
    expect(problem.detail).toContain(token.number);
    await act(token.id, 'cancel');
  });
});
