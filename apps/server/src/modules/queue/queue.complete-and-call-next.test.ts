import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { queueApi } from '../../test/queue-api.js';
import { problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

interface Answer {
  completed: { id: string; number: string; status: string; departmentId: string } | null;
  token: { id: string; number: string; status: string; counterId?: string } | null;
}

describe.each(DIALECTS)('complete and call next in one step on %s', (dialect) => {
  let t: TestApp;
  let api: ReturnType<typeof queueApi>;
  let dept: Awaited<ReturnType<TestApp['department']>>;
  let lab: Awaited<ReturnType<TestApp['department']>>;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    api = queueApi(t);
    dept = await t.department({ code: 'CCN', counters: 2 });
    lab = await t.department({ code: 'LAB', counters: 1 });
  });
  afterAll(async () => t?.close());

  async function completeAndCallNext(counterId: string, options: { key?: string; body?: object } = {}) {
    return t.inject({
      method: 'POST',
      url: `/api/v1/counters/${counterId}/complete-and-call-next`,
      headers: { ...(await t.as('doctor')), ...(options.key && { 'idempotency-key': options.key }) },
      ...(options.body && { payload: options.body }),
    });
  }

  it('completes the counter’s patient and calls the next one, and a retry with the same key changes nothing', async () => {
    const room = dept.counters[0]!.id;
    const first = await api.issue(dept.id);
    const second = await api.issue(dept.id);
    const third = await api.issue(dept.id);
    await api.callNext(room);

    const res = await completeAndCallNext(room, { key: 'press-1' });
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json<Answer>();
    expect(answer.completed).toMatchObject({ id: first.id, status: 'completed' });
    expect(answer.token).toMatchObject({ id: second.id, status: 'called', counterId: room });

    // Wi-Fi dropped the answer; the console presses again with the same key.
    const retry = await completeAndCallNext(room, { key: 'press-1' });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toEqual(answer);
    expect((await api.token(second.id)).status).toBe('called');
    expect((await api.token(third.id)).status).toBe('waiting');
    const history = (await api.token(first.id)).history.map((h) => h.action);
    expect(history).toEqual(['issue', 'call', 'complete']);
  });

  it('sends the patient on to another department with the same number', async () => {
    const room = dept.counters[1]!.id;
    const queue = await api.queue(dept.id);
    const nextUp = queue.waiting[0]!;
    await api.callNext(room);
    const res = await completeAndCallNext(room, { body: { nextDepartmentId: lab.id } });
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json<Answer>();
    expect(answer.completed).toMatchObject({ id: nextUp.id, number: nextUp.number, status: 'waiting', departmentId: lab.id });
    expect((await api.queue(lab.id)).waiting.map((w) => w.id)).toContain(nextUp.id);
  });

  it('calls the next patient when the counter has none, and answers null when nobody waits', async () => {
    const room = lab.counters[0]!.id;
    const res = await completeAndCallNext(room);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Answer>().completed).toBeNull();
    expect(res.json<Answer>().token).not.toBeNull();

    const drained = await completeAndCallNext(room);
    expect(drained.json<Answer>().completed).not.toBeNull();
    expect(drained.json<Answer>().token).toBeNull();
  });

  it('refuses an unknown department to send on to, and changes nothing', async () => {
    const room = dept.counters[0]!.id;
    const before = await api.queue(dept.id);
    const res = await completeAndCallNext(room, { body: { nextDepartmentId: dept.counters[1]!.id } });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0]?.path).toBe('body.nextDepartmentId');
    const after = await api.queue(dept.id);
    expect(after.called.map((c) => c.id)).toEqual(before.called.map((c) => c.id));
    expect(after.waiting.map((w) => w.id)).toEqual(before.waiting.map((w) => w.id));
  });

  it('honours an Idempotency-Key on a plain complete', async () => {
    const room = dept.counters[0]!.id;
    await api.issue(dept.id);
    const called = (await api.callNext(room)) ?? (await api.queue(dept.id)).called[0]!;
    const headers = { ...(await t.as('doctor')), 'idempotency-key': 'complete-1' };
    const once = await t.inject({ method: 'POST', url: `/api/v1/tokens/${called.id}/complete`, headers });
    const again = await t.inject({ method: 'POST', url: `/api/v1/tokens/${called.id}/complete`, headers });
    expect(once.statusCode, once.body).toBe(200);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(once.json());
  });
});
