import type { Queue, Token } from '@smart-token/contracts';
import { describe, expect, it } from 'vitest';
import { queueWithToken } from './queue-cache';

const GEN = 'dept-gen';
const LAB = 'dept-lab';

let seq = 0;
function token(status: Token['status'], overrides: Partial<Token> = {}): Token {
  seq += 1;
  return {
    id: `tok-${seq}`,
    number: `GEN-${String(seq).padStart(3, '0')}`,
    status,
    departmentId: GEN,
    priority: 'normal',
    recallCount: 0,
    patient: { name: `Patient ${seq}`, phoneLast4: '1234' },
    issuedAt: '2026-12-01T08:00:00.000Z',
    ...overrides,
  };
}

function queueOf(waiting: Token[], rest: Partial<Pick<Queue, 'called' | 'serving' | 'parked' | 'waitingCount'>> = {}): Queue {
  return {
    waiting: waiting.map((t, i) => ({ ...t, position: i + 1, reason: 'arrival order' })),
    waitingCount: rest.waitingCount ?? waiting.length,
    called: rest.called ?? [],
    serving: rest.serving ?? [],
    parked: rest.parked ?? [],
  };
}

const numbers = (list: Token[]) => list.map((t) => t.number);

describe('a live event patched into a cached queue', () => {
  it('a call takes the token out of the waiting line and onto the called list, and the others move up', () => {
    const [a, b, c] = [token('waiting'), token('waiting'), token('waiting')];
    const next = queueWithToken(queueOf([a, b, c]), GEN, { ...a, status: 'called', counterId: 'room-3' }, 'changed');
    expect(next && numbers(next.waiting)).toEqual([b.number, c.number]);
    expect(next?.waiting.map((t) => t.position)).toEqual([1, 2]);
    expect(next?.waitingCount).toBe(2);
    expect(next?.called.map((t) => t.counterId)).toEqual(['room-3']);
  });

  it('a normal token just issued joins the end of the line with its reason', () => {
    const a = token('waiting');
    const issued = token('waiting');
    const next = queueWithToken(queueOf([a]), GEN, issued, 'issued');
    expect(next && numbers(next.waiting)).toEqual([a.number, issued.number]);
    expect(next?.waiting[1]).toMatchObject({ position: 2, reason: 'arrival order' });
    expect(next?.waitingCount).toBe(2);
  });

  it('leaves a priority token, a transfer in and a return from park to the server: their place depends on call order', () => {
    const q = queueOf([token('waiting')]);
    expect(queueWithToken(q, GEN, token('waiting', { priority: 'priority' }), 'issued')).toBeUndefined();
    expect(queueWithToken(q, GEN, token('waiting'), 'changed')).toBeUndefined();
  });

  it('leaves a line longer than the list holds to the server', () => {
    const [a, b] = [token('waiting'), token('waiting')];
    expect(queueWithToken(queueOf([a, b], { waitingCount: 5 }), GEN, { ...a, status: 'called' }, 'changed')).toBeUndefined();
  });

  it('moves a started token from called to serving, and drops a completed one', () => {
    const called = token('called', { counterId: 'room-3' });
    const started = queueWithToken(queueOf([], { called: [called] }), GEN, { ...called, status: 'serving' }, 'changed');
    expect(started?.called).toEqual([]);
    expect(started && numbers(started.serving)).toEqual([called.number]);
    const done = queueWithToken(started!, GEN, { ...called, status: 'completed' }, 'changed');
    expect(done).toMatchObject({ waiting: [], called: [], serving: [], parked: [] });
  });

  it('drops a token sent on to another department from this one', () => {
    const serving = token('serving');
    const next = queueWithToken(queueOf([], { serving: [serving] }), GEN, { ...serving, status: 'waiting', departmentId: LAB }, 'changed');
    expect(next?.serving).toEqual([]);
    expect(next?.waiting).toEqual([]);
  });

  it('changes nothing when the same event comes twice', () => {
    const [a, b] = [token('waiting'), token('waiting')];
    const issued = token('waiting');
    const once = queueWithToken(queueOf([a, b]), GEN, issued, 'issued')!;
    expect(queueWithToken(once, GEN, issued, 'issued')).toEqual(once);
    const called = queueWithToken(once, GEN, { ...a, status: 'called' }, 'changed')!;
    expect(queueWithToken(called, GEN, { ...a, status: 'called' }, 'changed')).toEqual(called);
  });
});
