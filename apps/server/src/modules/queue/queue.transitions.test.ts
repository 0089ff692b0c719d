import { TOKEN_STATUSES, type TokenStatus } from '@smart-token/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { queueApi } from '../../test/queue-api.js';
import { problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

/** The contract's table (API.md), action by action, as the HTTP routes name them. */
const LEGAL_FROM: Record<string, TokenStatus[]> = {
  call: ['waiting'],
  recall: ['called'],
  start: ['called'],
  complete: ['called', 'serving'],
  transfer: ['waiting', 'called', 'serving', 'parked'],
  park: ['called', 'serving'],
  'no-show': ['called'],
  cancel: ['waiting', 'called', 'parked'],
  // Undo reverses the last transition; a token that was only issued has none.
  undo: ['called', 'serving', 'parked', 'completed', 'no_show', 'cancelled'],
};

const EXPECTED_STATUS_AFTER: Record<string, TokenStatus> = {
  call: 'called',
  start: 'serving',
  complete: 'completed',
  transfer: 'waiting',
  park: 'parked',
  'no-show': 'no_show',
  cancel: 'cancelled',
};

describe.each(DIALECTS)('every (status, action) pair through the API on %s', (dialect) => {
  let t: TestApp;
  let api: ReturnType<typeof queueApi>;
  let home: Awaited<ReturnType<TestApp['department']>>;
  let other: Awaited<ReturnType<TestApp['department']>>;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    api = queueApi(t);
    home = await t.department({ code: 'SM', counters: 1 });
    other = await t.department({ code: 'SMO', counters: 1 });
  });
  afterAll(() => t.close());

  async function tokenIn(status: TokenStatus): Promise<{ id: string; number: string }> {
    const token = await api.issue(home.id);
    const counterId = home.counters[0]!.id;
    const steps: Record<TokenStatus, string[]> = {
      waiting: [],
      called: ['call'],
      serving: ['call', 'start'],
      parked: ['call', 'park'],
      completed: ['call', 'complete'],
      no_show: ['call', 'no-show'],
      cancelled: ['cancel'],
    };
    for (const step of steps[status]) {
      const res = await api.act(token.id, step, step === 'call' ? { counterId } : undefined);
      expect(res.statusCode, res.body).toBe(200);
    }
    expect((await api.token(token.id)).status).toBe(status);
    return token;
  }

  function bodyFor(action: string): object | undefined {
    if (action === 'call') return { counterId: home.counters[0]!.id };
    if (action === 'transfer') return { departmentId: other.id };
    return undefined;
  }

  for (const [action, legalFrom] of Object.entries(LEGAL_FROM)) {
    for (const status of TOKEN_STATUSES) {
      const legal = legalFrom.includes(status);
      it(`${action} on a ${status} token is ${legal ? 'done' : 'refused with 409'}`, async () => {
        const token = await tokenIn(status);
        const before = await api.token(token.id);
        const res = await api.act(token.id, action, bodyFor(action));
        if (legal) {
          expect(res.statusCode, res.body).toBe(200);
          const expected = EXPECTED_STATUS_AFTER[action];
          if (expected) expect(res.json().token.status).toBe(expected);
          const after = await api.token(token.id);
          expect(after.history).toHaveLength(before.history.length + 1);
        } else {
          expect(res.statusCode, res.body).toBe(409);
          const problem = problemOf(res);
          expect(problem.code).toBe('INVALID_TRANSITION');
          expect(problem.detail).toContain(token.number);
          const after = await api.token(token.id);
          expect(after.history).toHaveLength(before.history.length);
          expect(after.status).toBe(status);
        }
      });
    }
  }
});
