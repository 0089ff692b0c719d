import WebSocket from 'ws';
import { Api, indianMobile, type IssuedToken } from './api.js';
import { stopRecorded, type Context } from './harness.js';
import { summarize, type Latency } from './load.js';
import { createDatabase, dropDatabase, PG_ADMIN_URL, REDIS_URL } from './postgres.js';
import { startSmartToken, type ChildHandle } from './processes.js';

/** 1,000 sockets: 900 patients following their own token, 100 boards and consoles following the department. */
export const PATIENTS = 900;
export const STAFF = 100;
export const CALLS = 40;
const CALL_INTERVAL_MS = 150;

export interface LiveResult {
  label: string;
  /** Call made (POST sent) → event received, per socket that should hear of it. */
  staff: Latency;
  patients: Latency;
  all: Latency;
  missed: number;
  /** Server resident memory per open socket, KB (RSS with the sockets open minus before, / sockets). */
  kbPerSocket: number;
  rssMb: number;
}

interface Listener {
  ws: WebSocket;
  kind: 'staff' | 'patient';
  onMessage?: (message: Record<string, unknown>, at: number) => void;
}

function open(url: string, kind: Listener['kind']): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const listener: Listener = { ws, kind };
    ws.on('message', (data) => listener.onMessage?.(JSON.parse(Buffer.from(data as Buffer).toString('utf8')) as Record<string, unknown>, performance.now()));
    ws.once('open', () => resolve(listener));
    ws.once('error', reject);
  });
}

async function subscribed(listener: Listener, message: object): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    listener.onMessage = (m) => {
      if (m.type === 'subscribed') resolve();
      else if (m.type === 'error') reject(new Error(JSON.stringify(m)));
    };
    listener.ws.send(JSON.stringify(message));
  });
}

const wsUrl = (httpUrl: string) => `${httpUrl.replace(/^http/, 'ws')}/api/v1/live`;

/**
 * Opens the sockets on `listen`, makes the calls on `act`, and times each call to each socket that
 * must hear of it: staff by the `token.called` event, patients by their next status message.
 */
async function measure(label: string, act: ChildHandle, listen: ChildHandle): Promise<LiveResult> {
  const api = await Api.login(act.url);
  const dept = await api.createDepartment('Live bench', 'LIVE');
  const counters = [];
  for (let i = 0; i < 8; i++) counters.push(await api.createCounter(dept.id, `Room ${i + 1}`));
  const tokens: IssuedToken[] = [];
  const people = Array.from({ length: PATIENTS + CALLS }, (_, i) => ({ name: `Patient ${i}`, phone: indianMobile(i) }));
  for (let i = 0; i < people.length; i += 50) tokens.push(...(await Promise.all(people.slice(i, i + 50).map((p) => api.issue(dept.id, p)))));
  // The patients who follow their token are the last in line, so every call moves them up.
  const followed = tokens.slice(CALLS) as (IssuedToken & { statusKey: string })[];

  const before = listen.memory().rssMb;
  const listeners: Listener[] = [];
  for (let i = 0; i < STAFF; i++) {
    const { ticket } = await api.post<{ ticket: string }>('/live/ticket', {}, 200);
    const l = await open(`${wsUrl(listen.url)}?ticket=${ticket}`, 'staff');
    await subscribed(l, { action: 'subscribe', topic: 'department', departmentId: dept.id });
    listeners.push(l);
  }
  for (let i = 0; i < PATIENTS; i += 100) {
    const batch = await Promise.all(followed.slice(i, i + 100).map(async (t) => {
      const l = await open(wsUrl(listen.url), 'patient');
      await subscribed(l, { action: 'subscribe', topic: 'status', statusKey: t.statusKey });
      return l;
    }));
    listeners.push(...batch);
  }
  await new Promise((r) => setTimeout(r, 500));
  const during = listen.memory().rssMb;

  const staffMs: number[] = [];
  const patientMs: number[] = [];
  let missed = 0;
  for (let c = 0; c < CALLS; c++) {
    const heard = new Set<Listener>();
    const started = performance.now();
    const all = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        missed += listeners.length - heard.size;
        resolve();
      }, 5000);
      for (const l of listeners) {
        l.onMessage = (m, at) => {
          if (heard.has(l)) return;
          // One call is in flight at a time: the first `token.called` (staff) or status update (patient) is this call's.
          const relevant = l.kind === 'staff' ? m.type === 'token.called' : m.topic === 'status';
          if (!relevant) return;
          heard.add(l);
          (l.kind === 'staff' ? staffMs : patientMs).push(at - started);
          if (heard.size === listeners.length) {
            clearTimeout(timer);
            resolve();
          }
        };
      }
    });
    await api.callNext(counters[c % counters.length]!.id);
    await all;
    await new Promise((r) => setTimeout(r, CALL_INTERVAL_MS));
  }
  for (const l of listeners) l.ws.terminate();
  const both = [...staffMs, ...patientMs];
  return {
    label,
    staff: summarize(staffMs),
    patients: summarize(patientMs),
    all: summarize(both),
    missed,
    kbPerSocket: ((during - before) * 1024) / listeners.length,
    rssMb: during,
  };
}

/** One instance on SQLite: the call and the sockets on the same server. */
export async function liveOneInstance(ctx: Context): Promise<LiveResult> {
  const name = '6 live, 1 instance';
  const server = await startSmartToken({ dir: ctx.newDir('s6-live-one'), jwtSecret: ctx.jwtSecret });
  let ok = false;
  try {
    const result = await measure('1 instance (SQLite)', server, server);
    ok = true;
    return result;
  } finally {
    await stopRecorded(ctx, name, server, ok);
  }
}

/** Two instances on one PostgreSQL with Redis: the call on A, every socket on B. */
export async function liveTwoInstances(ctx: Context): Promise<LiveResult> {
  const name = '6 live, 2 instances';
  const db = await createDatabase(PG_ADMIN_URL, 'live');
  const dir = ctx.newDir('s6-live-two');
  const options = { dir, jwtSecret: ctx.jwtSecret, databaseUrl: db.url, redisUrl: REDIS_URL };
  let a: ChildHandle | undefined;
  let b: ChildHandle | undefined;
  let ok = false;
  try {
    a = await startSmartToken({ ...options, name: 'a' });
    b = await startSmartToken({ ...options, name: 'b' });
    const result = await measure('2 instances (PostgreSQL + Redis), call on A, sockets on B', a, b);
    ok = true;
    return result;
  } finally {
    if (a) await stopRecorded(ctx, `${name} (A, calls)`, a, ok);
    if (b) await stopRecorded(ctx, `${name} (B, sockets)`, b, ok);
    await dropDatabase(PG_ADMIN_URL, db.name);
  }
}

export const LIVE_TARGETS = { oneInstanceP99Ms: 50, twoInstancesP99Ms: 100 } as const;
