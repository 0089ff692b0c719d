import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Api, patients, type Counter, type IssuedToken } from './api.js';
import { load, type LoadRequest, type LoadResult, type Latency } from './load.js';
import { changedTables, prefillWaiting, tableDigests, type PrefillResult } from './prefill.js';
import { dbFileIn, serverEnv, startSmartToken, type ChildHandle, type Memory } from './processes.js';

export interface Settings {
  connections: number;
  durationS: number;
  warmupS: number;
  /** Scenario 4: connections and duration of each depth's latency run. */
  depthConnections: number;
  depthDurationS: number;
  depths: { shallow: number; deep: number };
  /** Scenario 2: bounds on the waiting tokens put in line before call-next is measured. */
  callNextPrefill: { min: number; max: number };
}

export interface Context {
  settings: Settings;
  jwtSecret: string;
  /** A fresh folder under the run's temp folder. */
  newDir(name: string): string;
  /** Every server's memory after its scenarios, for scenario 5. */
  memories: { server: string; memory: Memory }[];
}

const API = '/api/v1';
const PATIENT_BODIES = 16;

export function newDirFactory(root: string): (name: string) => string {
  return (name) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
}

/** Runs `run` against a fresh server child on `dir`; its memory afterwards counts for scenario 5 unless `setupOnly`. */
async function withServer<T>(ctx: Context, name: string, dir: string, run: (server: ChildHandle, api: Api) => Promise<T>, setupOnly = false): Promise<T> {
  const server = await startSmartToken({ dir, jwtSecret: ctx.jwtSecret });
  try {
    const api = await Api.login(server.url);
    const result = await run(server, api);
    if (!setupOnly) ctx.memories.push({ server: name, memory: server.memory() });
    return result;
  } catch (error) {
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}\n--- server output ---\n${server.output()}`, { cause: error });
  } finally {
    await server.stop();
  }
}

function issueRequests(api: Api, departmentId: string, idempotencyKey: boolean, count = PATIENT_BODIES): LoadRequest[] {
  return patients(count).map((patient) => ({
    kind: 'issue',
    method: 'POST',
    path: `${API}/tokens`,
    headers: { ...api.authHeaders, ...(idempotencyKey && { 'idempotency-key': 'bench-[<id>]' }) },
    body: JSON.stringify({ departmentId, patient }),
  }));
}

const callNextRequest = (api: Api, counter: Counter): LoadRequest => ({
  kind: 'call',
  method: 'POST',
  path: `${API}/counters/${counter.id}/call-next`,
  headers: { authorization: `Bearer ${api.accessToken}` },
});

async function waitingCount(api: Api, departmentId: string): Promise<number> {
  return (await api.get<{ waitingCount: number }>(`/departments/${departmentId}/queue?limit=1`)).waitingCount;
}

/** Watches call-next answers: the queue must never run dry, and no token may be handed out twice. */
function callWatcher() {
  const seen = new Set<string>();
  const state = { empty: 0, duplicates: 0, calls: 0 };
  return {
    state,
    onResponse: (kind: string, status: number, body: string): void => {
      if (kind !== 'call' || status !== 200) return;
      const token = (JSON.parse(body) as { token: IssuedToken | null }).token;
      if (!token) {
        state.empty++;
        return;
      }
      state.calls++;
      if (seen.has(token.id)) state.duplicates++;
      seen.add(token.id);
    },
  };
}

// ---------------------------------------------------------------------------------------------

export interface TokensResult {
  run: LoadResult;
  depthAfter: number;
}

/** 1. POST /tokens, 32 connections, each request with its own Idempotency-Key (as kiosks send). */
export function issueTokens(ctx: Context): Promise<TokensResult> {
  const { connections, durationS, warmupS } = ctx.settings;
  return withServer(ctx, '1 POST /tokens', ctx.newDir('s1-tokens'), async (server, api) => {
    const warm = await api.createDepartment('Warm-up', 'WARM');
    const dept = await api.createDepartment('General Medicine', 'GEN');
    await load({ url: server.url, connections, durationS: warmupS, requests: issueRequests(api, warm.id, true), uniqueIds: true });
    const run = await load({ url: server.url, serverPid: server.pid, connections, durationS, requests: issueRequests(api, dept.id, true), uniqueIds: true });
    return { run, depthAfter: await waitingCount(api, dept.id) };
  });
}

export interface CallNextResult {
  run: LoadResult;
  /** The pre-fill itself, a second POST /tokens figure: no Idempotency-Key, into a deepening line. */
  prefillRun: LoadResult;
  depthBefore: number;
  depthAfter: number;
  /** The run ended before its duration because the line was about to run dry. */
  stoppedEarly: boolean;
  empty: number;
  duplicates: number;
}

/** 2. POST /counters/:id/call-next, 32 connections over 8 counters of one department. */
export function callNext(ctx: Context, callNextPrefill: number): Promise<CallNextResult> {
  const { connections, durationS, warmupS } = ctx.settings;
  return withServer(ctx, '2 call-next', ctx.newDir('s2-call-next'), async (server, api) => {
    const dept = await api.createDepartment('Outpatients', 'OPD');
    const counters: Counter[] = [];
    for (let i = 1; i <= 8; i++) counters.push(await api.createCounter(dept.id, `Counter ${i}`));
    // Pre-fill through the API, as fast as it goes: autocannon stops after exactly this many answers.
    const prefill = await load({ url: server.url, serverPid: server.pid, connections, amount: callNextPrefill, requests: issueRequests(api, dept.id, false) });
    if (prefill.ok !== callNextPrefill) throw new Error(`pre-fill: ${prefill.ok} of ${callNextPrefill} tokens issued (${JSON.stringify(prefill.statuses)})`);
    const requests = counters.map((c) => callNextRequest(api, c));
    const watch = callWatcher();
    await load({ url: server.url, connections, durationS: Math.min(1, warmupS), requests, onResponse: watch.onResponse });
    const depthBefore = await waitingCount(api, dept.id);
    const measured = callWatcher();
    // Ends early rather than let the line run dry: every connection may have one more call in flight.
    const stopWhen = () => measured.state.calls >= depthBefore - 2 * connections;
    const run = await load({ url: server.url, serverPid: server.pid, connections, durationS, requests, onResponse: measured.onResponse, stopWhen });
    return {
      run,
      prefillRun: prefill,
      depthBefore,
      depthAfter: await waitingCount(api, dept.id),
      stoppedEarly: run.elapsedS < durationS - 0.5,
      empty: measured.state.empty + watch.state.empty,
      duplicates: measured.state.duplicates + watch.state.duplicates,
    };
  });
}

export interface StatusResult {
  run: LoadResult;
  tokens: number;
}

const STATUS_TOKENS = 200;
const STATUS_CALLED = 10;

/** 3. POST /public/status with right numbers and digits, over a line of 200 with 10 already called. */
export function publicStatus(ctx: Context): Promise<StatusResult> {
  const { connections, durationS, warmupS } = ctx.settings;
  return withServer(ctx, '3 public status', ctx.newDir('s3-status'), async (server, api) => {
    const dept = await api.createDepartment('Radiology', 'RAD');
    const counter = await api.createCounter(dept.id, 'Room 1');
    const issued = await api.issueMany(dept.id, patients(STATUS_TOKENS, 1_000), 16);
    for (let i = 0; i < STATUS_CALLED; i++) await api.callNext(counter.id);
    const requests: LoadRequest[] = issued.map((t) => ({
      method: 'POST',
      path: `${API}/public/status`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: t.number, phoneLast4: t.patient.phoneLast4 }),
    }));
    await load({ url: server.url, connections, durationS: warmupS, requests });
    const run = await load({ url: server.url, serverPid: server.pid, connections, durationS, requests });
    return { run, tokens: issued.length };
  });
}

export interface DepthRun {
  depth: number;
  prefill: PrefillResult;
  run: LoadResult;
  call: Latency;
  issue: Latency;
  depthAfter: number;
}

export interface DepthResult {
  shallow: DepthRun;
  deep: DepthRun;
}

/**
 * 4. call-next latency with `depth` tokens waiting. The line is written into the file with the server
 * stopped (see prefill.ts), then one connection alternates issue and call-next so the depth holds.
 */
async function callAtDepth(ctx: Context, depth: number): Promise<DepthRun> {
  const { depthConnections, depthDurationS, warmupS } = ctx.settings;
  const dir = ctx.newDir(`s4-depth-${depth}`);
  // First start: migrations, the admin, a department, and two tokens issued by the server itself;
  // what changed in the file around the second one is the footprint the pre-fill must reproduce.
  const setup = await withServer(
    ctx,
    `4 setup at depth ${depth}`,
    dir,
    async (_server, api) => {
      const dept = await api.createDepartment('Cardiology', 'CARD');
      const counter = await api.createCounter(dept.id, 'Desk 1');
      await api.issue(dept.id, patients(1, 90_000)[0]!);
      const before = tableDigests(dbFileIn(dir));
      const template = await api.issue(dept.id, patients(1, 90_001)[0]!);
      return { departmentId: dept.id, counter, templateId: template.id, footprint: changedTables(before, tableDigests(dbFileIn(dir))) };
    },
    true,
  );
  const prefill = await prefillWaiting({
    dbFile: dbFileIn(dir),
    env: serverEnv({ dir, jwtSecret: ctx.jwtSecret }),
    templateTokenId: setup.templateId,
    footprint: setup.footprint,
    count: depth - 2,
  });
  return withServer(ctx, `4 call-next at depth ${depth}`, dir, async (server, api) => {
    const before = await waitingCount(api, setup.departmentId);
    if (before !== depth) throw new Error(`expected ${depth} waiting after the pre-fill, found ${before}`);
    const requests = [issueRequests(api, setup.departmentId, false, 1)[0]!, callNextRequest(api, setup.counter)];
    const watch = callWatcher();
    await load({ url: server.url, connections: depthConnections, durationS: warmupS, requests, onResponse: watch.onResponse });
    const run = await load({ url: server.url, serverPid: server.pid, connections: depthConnections, durationS: depthDurationS, requests, onResponse: watch.onResponse });
    if (watch.state.empty > 0 || watch.state.duplicates > 0) throw new Error(`call-next answered empty ${watch.state.empty}×, duplicate ${watch.state.duplicates}×`);
    return { depth, prefill, run, call: run.byKind.call!, issue: run.byKind.issue!, depthAfter: await waitingCount(api, setup.departmentId) };
  });
}

export async function callNextAtDepth(ctx: Context): Promise<DepthResult> {
  const shallow = await callAtDepth(ctx, ctx.settings.depths.shallow);
  const deep = await callAtDepth(ctx, ctx.settings.depths.deep);
  return { shallow, deep };
}
