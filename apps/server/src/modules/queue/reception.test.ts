import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { queueApi } from '../../test/queue-api.js';
import { ManualClock, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

interface Found {
  id: string;
  number: string;
  status: string;
  patient: { name: string; phoneLast4: string };
}

describe.each(DIALECTS)('reception mends today’s tokens on %s', (dialect) => {
  let t: TestApp;
  let api: ReturnType<typeof queueApi>;
  let gen: Awaited<ReturnType<TestApp['department']>>;
  let lab: Awaited<ReturnType<TestApp['department']>>;
  const clock = new ManualClock();

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
    api = queueApi(t);
    gen = await t.department({ code: 'GEN', name: 'General OPD' });
    lab = await t.department({ code: 'LAB', name: 'Laboratory' });
  });
  afterAll(() => t.close());

  async function issue(departmentId: string, name: string, phone: string) {
    const res = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: { departmentId, patient: { name, phone } } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; number: string; statusKey: string }>();
  }

  async function search(query: string, role: 'receptionist' | 'doctor' = 'receptionist') {
    const res = await t.inject({ method: 'POST', url: '/api/v1/tokens/search', headers: await t.as(role), payload: { query } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ tokens: Found[] }>().tokens;
  }

  describe('search', () => {
    let asha: { id: string; number: string };
    let ravi: { id: string; number: string };
    let labToken: { id: string; number: string };

    beforeAll(async () => {
      // Yesterday's patient with the same phone and name is not today's token.
      await issue(gen.id, 'Asha Yesterday', '98111 22233');
      clock.advanceMinutes(24 * 60);
      asha = await issue(gen.id, 'Asha Rao', '98111 22233');
      ravi = await issue(gen.id, 'Ravi Kumar', '98111 45678');
      labToken = await issue(lab.id, 'Meena Iyer', '98222 33344');
    });

    it('finds a token by its number, however it is typed', async () => {
      for (const query of [asha.number, asha.number.toLowerCase(), 'gen 1', 'GEN1']) {
        expect((await search(query)).map((x) => x.id), query).toEqual([asha.id]);
      }
    });

    it('finds the tokens of every department with that sequence number when only digits are typed', async () => {
      const ids = (await search('1')).map((x) => x.id);
      expect(ids.sort()).toEqual([asha.id, labToken.id].sort());
    });

    it('finds a token by the whole phone number, in national or international form', async () => {
      expect((await search('98111 22233')).map((x) => x.id)).toEqual([asha.id]);
      expect((await search('+91 98111 22233')).map((x) => x.id)).toEqual([asha.id]);
    });

    it('finds a token by the last four digits of the phone', async () => {
      expect((await search('5678')).map((x) => x.id)).toEqual([ravi.id]);
    });

    it('finds tokens by part of the name, in any case, newest first', async () => {
      expect((await search('RAO')).map((x) => x.patient.name)).toEqual(['Asha Rao']);
      const both = await search('a');
      expect(both.map((x) => x.number)).toEqual([labToken.number, ravi.number, asha.number]);
    });

    it('treats LIKE wildcards in a name as plain characters', async () => {
      expect(await search('%')).toEqual([]);
      expect(await search('_')).toEqual([]);
    });

    it('only answers with today’s tokens', async () => {
      const names = (await search('asha')).map((x) => x.patient.name);
      expect(names).toEqual(['Asha Rao']);
    });

    it('is open to counter staff, closed to devices and to nobody signed in', async () => {
      expect((await search(asha.number, 'doctor')).length).toBe(1);
      for (const role of ['display', 'kiosk'] as const) {
        const res = await t.inject({ method: 'POST', url: '/api/v1/tokens/search', headers: await t.as(role), payload: { query: 'asha' } });
        expect(res.statusCode, role).toBe(403);
      }
      const anonymous = await t.inject({ method: 'POST', url: '/api/v1/tokens/search', payload: { query: 'asha' } });
      expect(anonymous.statusCode).toBe(401);
    });

    it('refuses an empty, over-long or unknown-field query with a problem naming the field', async () => {
      const headers = await t.as('receptionist');
      for (const [payload, path] of [
        [{ query: '  ' }, 'body.query'],
        [{ query: 'x'.repeat(65) }, 'body.query'],
        [{ query: 'asha', phone: '98111 22233' }, 'body.phone'],
      ] as const) {
        const res = await t.inject({ method: 'POST', url: '/api/v1/tokens/search', headers, payload });
        expect(res.statusCode).toBe(400);
        expect(problemOf(res).errors?.map((e) => e.path)).toContain(path);
      }
    });

    it('gives at most 20 tokens', async () => {
      for (let i = 0; i < 22; i++) await issue(lab.id, `Crowd ${i}`, `98333 ${String(10000 + i)}`);
      expect((await search('crowd')).length).toBe(20);
    });
  });

  describe('cancel with a reason', () => {
    it('keeps the reason in the token’s history', async () => {
      const token = await api.issue(gen.id);
      const res = await t.inject({ method: 'POST', url: `/api/v1/tokens/${token.id}/cancel`, headers: await t.as('receptionist'), payload: { reason: 'Issued to the wrong department' } });
      expect(res.statusCode, res.body).toBe(200);
      const history = (await api.token(token.id)).history;
      expect(history.at(-1)).toMatchObject({ action: 'cancel', toStatus: 'cancelled', reason: 'Issued to the wrong department' });
    });

    it('still cancels with no body at all, as older clients send it', async () => {
      const token = await api.issue(gen.id);
      const res = await t.inject({ method: 'POST', url: `/api/v1/tokens/${token.id}/cancel`, headers: await t.as('receptionist') });
      expect(res.statusCode, res.body).toBe(200);
      expect((await api.token(token.id)).status).toBe('cancelled');
    });

    it('refuses an over-long reason or an unknown field, and cancels nothing', async () => {
      const token = await api.issue(gen.id);
      for (const payload of [{ reason: 'x'.repeat(201) }, { reason: 'ok', why: 'no' }]) {
        const res = await t.inject({ method: 'POST', url: `/api/v1/tokens/${token.id}/cancel`, headers: await t.as('receptionist'), payload });
        expect(res.statusCode).toBe(400);
        expect(problemOf(res).code).toBe('VALIDATION_FAILED');
      }
      expect((await api.token(token.id)).status).toBe('waiting');
    });
  });

  describe('reprint', () => {
    async function reprint(tokenId: string, role: 'receptionist' | 'display' = 'receptionist') {
      return t.inject({ method: 'POST', url: `/api/v1/tokens/${tokenId}/reprint`, headers: await t.as(role) });
    }
    const statusOf = (key: string) => t.inject({ method: 'GET', url: `/api/v1/public/status/${key}` });

    it('gives the ticket a new status key: the new link works, the old one no longer does', async () => {
      const token = await issue(gen.id, 'Kiran Das', '98444 55566');
      expect((await statusOf(token.statusKey)).statusCode).toBe(200);
      const res = await reprint(token.id);
      expect(res.statusCode, res.body).toBe(200);
      const again = res.json<{ id: string; number: string; status: string; statusKey: string; statusUrl: string; position: number }>();
      expect(again).toMatchObject({ id: token.id, number: token.number, status: 'waiting' });
      expect(again.position).toBeGreaterThan(0);
      expect(again.statusKey).not.toBe(token.statusKey);
      expect(again.statusUrl).toBe(`http://clinic.test/s/${again.statusKey}`);
      expect((await statusOf(again.statusKey)).statusCode).toBe(200);
      expect((await statusOf(token.statusKey)).statusCode).toBe(404);
    });

    it('is recorded in the token’s history without changing its status', async () => {
      const token = await api.issue(gen.id);
      expect((await reprint(token.id)).statusCode).toBe(200);
      const after = await api.token(token.id);
      expect(after.status).toBe('waiting');
      expect(after.history.map((h) => h.action)).toEqual(['issue', 'reprint']);
    });

    it('leaves undo to the last change of state: a reprint after a call, then undo, and the token waits again', async () => {
      const token = await api.issue(gen.id);
      expect((await api.act(token.id, 'call', { counterId: gen.counters[0]!.id })).statusCode).toBe(200);
      expect((await reprint(token.id)).statusCode).toBe(200);
      const undone = await api.act(token.id, 'undo');
      expect(undone.statusCode, undone.body).toBe(200);
      const after = await api.token(token.id);
      expect(after.status).toBe('waiting');
      expect(after.history.map((h) => h.action)).toEqual(['issue', 'call', 'reprint', 'undo']);
    });

    it('refuses a token no longer in a line (409 naming it) and an unknown token (404)', async () => {
      const token = await api.issue(gen.id);
      expect((await api.act(token.id, 'cancel')).statusCode).toBe(200);
      const res = await reprint(token.id);
      expect(res.statusCode).toBe(409);
      expect(problemOf(res).detail).toContain(token.number);
      expect((await reprint('no-such-token')).statusCode).toBe(404);
    });

    it('is for staff, not for a display device', async () => {
      const token = await api.issue(gen.id);
      expect((await reprint(token.id, 'display')).statusCode).toBe(403);
    });
  });

  describe('a phone still waiting', () => {
    it('the patient search names the phone’s tokens still in a line today, not finished ones', async () => {
      const waiting = await issue(gen.id, 'Sunil Rao', '98555 66677');
      const cancelled = await issue(lab.id, 'Sunil Rao', '98555 66677');
      expect((await api.act(cancelled.id, 'cancel')).statusCode).toBe(200);
      const res = await t.inject({ method: 'POST', url: '/api/v1/patients/search', headers: await t.as('receptionist'), payload: { phone: '98555 66677' } });
      expect(res.statusCode, res.body).toBe(200);
      const active = res.json<{ active: { id: string; number: string; departmentId: string; status: string }[] }>().active;
      expect(active.map((x) => x.number)).toEqual([waiting.number]);
      expect(active[0]).toMatchObject({ departmentId: gen.id, status: 'waiting' });
    });

    it('issuing a second token is still allowed by the API (outside clients rely on it)', async () => {
      await issue(gen.id, 'Twice Seen', '98666 77788');
      await issue(gen.id, 'Twice Seen', '98666 77788');
    });
  });

  it('tells forms the clinic’s phone region and an example number in it', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/patients/phone-format', headers: await t.as('receptionist') });
    expect(res.statusCode, res.body).toBe(200);
    const format = res.json<{ region: string; example: string; international: string }>();
    expect(format.region).toBe('IN');
    expect(format.example).toMatch(/^0?\d[\d ]+$/);
    expect(format.international).toMatch(/^\+91 /);
  });
});
