import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { Api, indianMobile, type IssuedToken } from './api.js';
import { summarize, type Latency } from './load.js';
import { SERVER_ENTRY, newJwtSecret, serverEnv, startChild, type ChildHandle } from './processes.js';

/** 1,000 sockets: 900 patients following their own token, 100 boards and consoles following the department. */
export const PATIENTS = 900;
export const STAFF = 100;
const CALLS = 40;
const CALL_INTERVAL_MS = 150;
const PG_ADMIN = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

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
export async function liveOneInstance(): Promise<LiveResult> {
  const dir = mkdtempSync(join(tmpdir(), 'st-bench-live-'));
  const server = await startChild(SERVER_ENTRY, serverEnv({ dir, jwtSecret: newJwtSecret() }), '/readyz');
  try {
    return await measure('1 instance (SQLite)', server, server);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Two instances on one PostgreSQL with Redis: the call on A, every socket on B. */
export async function liveTwoInstances(): Promise<LiveResult> {
  const name = `st_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  const dir = mkdtempSync(join(tmpdir(), 'st-bench-live2-'));
  const env = { ...serverEnv({ dir, jwtSecret: newJwtSecret() }), DATABASE_URL: url.toString(), REDIS_URL };
  let a: ChildHandle | undefined;
  let b: ChildHandle | undefined;
  try {
    a = await startChild(SERVER_ENTRY, env, '/readyz');
    b = await startChild(SERVER_ENTRY, env, '/readyz');
    return await measure('2 instances (PostgreSQL + Redis), call on A, sockets on B', a, b);
  } finally {
    await a?.stop();
    await b?.stop();
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const LIVE_TARGETS = { oneInstanceP99Ms: 50, twoInstancesP99Ms: 100 } as const;

const f = (n: number) => `${n.toFixed(1)} ms`;

/** The live-update scenario as a Markdown section of RESULTS.md (and the console). */
export function liveMarkdown(one: LiveResult, two: LiveResult): string {
  const row = (r: LiveResult, target: number) =>
    `| ${r.label} | ${f(r.staff.p99)} (mean ${f(r.staff.mean)}) | ${f(r.patients.p99)} (mean ${f(r.patients.mean)}) | ${f(r.all.p99)} | < ${target} ms | ${r.all.p99 < target ? 'PASS' : 'MISS'} | ${r.missed} | ${r.kbPerSocket.toFixed(1)} KB |`;
  return [
    '## Live updates (WebSocket)',
    '',
    `${PATIENTS} patients following their own token (each call moves every one of them up) and ${STAFF} boards/consoles following the department, all connected to one server; ${CALLS} calls, one at a time. Latency: call-next request sent → the socket's message received (staff: \`token.called\`; patients: their new place). The sockets are opened by the harness process on the same 2 cores as the server(s).`,
    '',
    '| setup | staff p99 | patients p99 | all p99 | target | verdict | missed | server memory per socket |',
    '|---|---|---|---|---|---|---|---|',
    row(one, LIVE_TARGETS.oneInstanceP99Ms),
    row(two, LIVE_TARGETS.twoInstancesP99Ms),
    '',
    ...(one.all.p99 < LIVE_TARGETS.oneInstanceP99Ms
      ? []
      : [
          `Gap (one instance): boards and consoles hear of a call at p99 ${f(one.staff.p99)}; the patients' p99 is what misses. Every call moves all ${PATIENTS} patients up, so each call is ${PATIENTS} status messages, sent one after another from the server's one thread and read one after another by the harness's one thread (the ${PATIENTS + STAFF} sockets live in this process, on the same 2 cores). Measured in-process with the sockets' send replaced by a counter, the server's own fan-out (one read of the line's order for all of them, then a message each) takes about 7 ms for ${PATIENTS} patients after the call commits; the rest of the p99 is the sends and the harness's reading. What would close it: clients on other machines (as phones are), and sending a patient an update only when their place or estimate changes by a step that matters (every 5 places, or the estimate moving a minute), which would cut the messages per call by an order of magnitude.`,
          '',
        ]),
  ].join('\n');
}
