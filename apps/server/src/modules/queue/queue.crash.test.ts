import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { createDatabase } from '../../db/database.js';
import { startChildServer, type ChildServer } from '../../test/child-server.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import { StaffSignIn, fetchCall } from '../../test/admin-sign-in.js';
import { TEST_PASSWORD, nextPhone, testEnv } from '../../test/test-app.js';

/** Requests kept in flight at once: one worker in CALLER_EVERY calls the next patient, the rest issue. */
const WORKERS = 24;
const CALLER_EVERY = 3;
/** The kill comes when this many issues of the round have been acknowledged. */
const KILL_AFTER = 30;
/** Rounds (start, load, kill -9) tried until one kills the process with requests provably in flight. */
const MAX_ROUNDS = 5;
/** How a request ends when the process behind its connection dies. */
const CUT_OFF = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE']);

interface Acknowledged {
  id: string;
  number: string;
}

interface Round {
  issued: Acknowledged[];
  called: (Acknowledged & { counterId: string })[];
  /** Requests fully sent and not answered at the instant of the SIGKILL… */
  inFlightAtKill: number;
  /** …and of those, the ones that never got an answer: certainly cut off by the kill. */
  cutOff: number;
}

describe.each(DIALECTS)('a crash of the server process on %s', (dialect) => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let server: ChildServer | undefined;

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    env = { ...testEnv(db), ADMIN_EMAIL: 'admin@crash.test', ADMIN_PASSWORD: TEST_PASSWORD };
  });
  afterAll(async () => {
    await server?.kill9();
    await db.drop();
  });

  /** The admin signs in again on each restarted server (same database): the helper keeps their 2FA secret. */
  let signingInAt = '';
  const staff = new StaffSignIn(fetchCall(() => signingInAt));
  async function login(s: ChildServer): Promise<Record<string, string>> {
    signingInAt = s.url;
    const { accessToken } = await staff.signIn('admin@crash.test', TEST_PASSWORD);
    return { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
  }

  async function post<T>(s: ChildServer, headers: Record<string, string>, path: string, body: unknown): Promise<T> {
    const res = await fetch(`${s.url}/api/v1${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(res.status, path).toBeLessThan(300);
    return (await res.json()) as T;
  }

  /**
   * Keeps WORKERS requests going (issues, and call-nexts at both counters) and kill -9s the server from
   * inside the handler of the KILL_AFTER-th acknowledged issue. node:http, not fetch, so "sent" means
   * the whole request was handed to the socket ('finish'), and "answered" that the response arrived.
   */
  async function loadUntilKilled(s: ChildServer, headers: Record<string, string>, departmentId: string, counterIds: string[]): Promise<Round> {
    const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
    const open = new Set<{ sent: boolean; answered: boolean }>();
    const round: Round = { issued: [], called: [], inFlightAtKill: 0, cutOff: 0 };
    let stop = false;
    let atKill: { answered: boolean }[] | undefined;
    let killed: Promise<void> | undefined;
    const killNow = () => {
      atKill = [...open].filter((r) => r.sent && !r.answered);
      killed = s.kill9();
    };

    const send = (path: string, body: unknown) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const state = { sent: false, answered: false };
        open.add(state);
        const req = request(`${s.url}/api/v1${path}`, { method: 'POST', agent, headers }, (res) => {
          state.answered = true;
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
          res.on('close', () => res.complete || reject(Object.assign(new Error('response cut off'), { code: 'ECONNRESET' })));
        });
        req.on('finish', () => (state.sent = true));
        req.on('error', reject);
        req.on('close', () => open.delete(state));
        req.end(JSON.stringify(body));
      });

    async function worker(index: number): Promise<void> {
      const counterId = counterIds[index % counterIds.length]!;
      try {
        await work(index, counterId);
      } catch (error) {
        stop = true; // one failure ends the round, so the rest do not run on without an end
        throw error;
      }
    }

    async function work(index: number, counterId: string): Promise<void> {
      while (!stop) {
        if (index % CALLER_EVERY === 0) {
          const res = await send(`/counters/${counterId}/call-next`, {});
          if (res.status !== 200) throw new Error(`call-next: ${res.status} ${res.text}`);
          const { token } = JSON.parse(res.text) as { token: Acknowledged | null };
          if (token) round.called.push({ id: token.id, number: token.number, counterId });
        } else {
          const res = await send('/tokens', { departmentId, patient: { name: 'P', phone: nextPhone() } });
          if (res.status !== 201) throw new Error(`issue: ${res.status} ${res.text}`);
          const { id, number } = JSON.parse(res.text) as Acknowledged;
          round.issued.push({ id, number });
          if (round.issued.length === KILL_AFTER) {
            stop = true;
            killNow();
          }
        }
      }
    }

    const outcomes = await Promise.allSettled(Array.from({ length: WORKERS }, (_, i) => worker(i)));
    await killed;
    agent.destroy();
    // Only the kill may end a request badly: any other failure is a bug of its own, reported as such.
    for (const o of outcomes) if (o.status === 'rejected' && (!killed || !CUT_OFF.has(String((o.reason as { code?: unknown }).code)))) throw o.reason;
    expect(atKill, 'the round never reached the kill').toBeDefined();
    round.inFlightAtKill = atKill!.length;
    round.cutOff = atKill!.filter((r) => !r.answered).length;
    return round;
  }

  it('loses no acknowledged token or call when killed with requests in flight; numbers stay gap-free and nobody is called twice', async () => {
    server = await startChildServer(env);
    let headers = await login(server);
    const dept = await post<{ id: string }>(server, headers, '/departments', { code: 'CRA', name: 'Crash' });
    const counterIds: string[] = [];
    for (const name of ['Room 1', 'Room 2']) counterIds.push((await post<{ id: string }>(server, headers, '/counters', { departmentId: dept.id, name })).id);

    const rounds: Round[] = [];
    for (let attempt = 1; attempt <= MAX_ROUNDS; attempt++) {
      if (attempt > 1) {
        server = await startChildServer(env);
        headers = await login(server);
      }
      rounds.push(await loadUntilKilled(server, headers, dept.id, counterIds));
      // The timing is the point: go again unless this kill certainly cut requests off mid-flight.
      if (rounds.at(-1)!.cutOff > 0) break;
    }
    const summary = rounds.map((r) => `${r.inFlightAtKill} in flight, ${r.cutOff} cut off`).join('; ');
    expect(rounds.at(-1)!.cutOff, summary).toBeGreaterThan(0);
    const issued = rounds.flatMap((r) => r.issued);
    const called = rounds.flatMap((r) => r.called);
    expect(issued.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(called.length, 'no call-next was acknowledged').toBeGreaterThan(0);

    server = await startChildServer(env);
    headers = await login(server);
    const database = createDatabase(loadConfig(env).database);
    try {
      const tokens = await database.db.selectFrom('tokens').select(['id', 'number', 'issue_day', 'seq', 'status', 'counter_id']).where('issued_department_id', '=', dept.id).execute();
      const transitions = await database.db
        .selectFrom('token_transitions')
        .innerJoin('tokens', 'tokens.id', 'token_transitions.token_id')
        .select(['token_transitions.token_id', 'token_transitions.action', 'token_transitions.counter_id'])
        .where('tokens.issued_department_id', '=', dept.id)
        .execute();
      const byId = new Map(tokens.map((t) => [t.id, t]));

      // Every acknowledged token is there, with the number it was acknowledged with.
      expect(issued.filter((a) => byId.get(a.id)?.number !== a.number)).toEqual([]);
      // Whatever committed (acknowledged or not) is numbered 1..n on its day, without a hole or a repeat.
      for (const day of new Set(tokens.map((t) => t.issue_day))) {
        const seqs = tokens.filter((t) => t.issue_day === day).map((t) => Number(t.seq)).sort((x, y) => x - y);
        expect(seqs, day).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      }
      expect(new Set(tokens.map((t) => t.number)).size).toBe(tokens.length);
      // Each token was issued once and called at most once, and every acknowledged call is kept, at its counter.
      const count = (tokenId: string, action: string) => transitions.filter((x) => x.token_id === tokenId && x.action === action).length;
      expect(tokens.filter((t) => count(t.id, 'issue') !== 1).map((t) => t.number)).toEqual([]);
      expect(tokens.filter((t) => count(t.id, 'call') > 1).map((t) => t.number)).toEqual([]);
      expect(new Set(called.map((c) => c.id)).size).toBe(called.length);
      for (const c of called) {
        expect(byId.get(c.id), c.number).toMatchObject({ status: 'called', counter_id: c.counterId });
        expect(count(c.id, 'call'), c.number).toBe(1);
      }
      // A call is a status change and its history row together: neither survives without the other.
      expect(tokens.filter((t) => (t.status === 'called') !== (count(t.id, 'call') === 1)).map((t) => t.number)).toEqual([]);
      // The kept line counts agree with the tokens actually waiting.
      const waiting = tokens.filter((t) => t.status === 'waiting').length;
      const kept = await database.db.selectFrom('queue_lane_counts').select('waiting').where('department_id', '=', dept.id).execute();
      expect(kept.reduce((n, k) => n + Number(k.waiting), 0)).toBe(waiting);

      // Numbering follows on after the restart.
      const next = await post<{ id: string; number: string }>(server, headers, '/tokens', { departmentId: dept.id, patient: { name: 'P', phone: nextPhone() } });
      const row = await database.db.selectFrom('tokens').select(['issue_day', 'seq']).where('id', '=', next.id).executeTakeFirstOrThrow();
      const sameDay = tokens.filter((t) => t.issue_day === row.issue_day).length;
      expect(Number(row.seq)).toBe(sameDay + 1);
      expect(next.number).toBe(`CRA-${String(sameDay + 1).padStart(3, '0')}`);
    } finally {
      await database.close();
    }
  });
});
