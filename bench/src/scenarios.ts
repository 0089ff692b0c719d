import { Api, patients, type Counter } from './api.js';
import { callNextRequest, callWatcher, issueRequests, statusRequest, targetsOf, waitingCount, withServer, type Context } from './harness.js';
import { prepareLine } from './line.js';
import { load, type LoadRequest, type LoadResult } from './load.js';
import type { PrefillResult } from './prefill.js';
import type { ChildHandle } from './processes.js';

export interface TokensResult {
  run: LoadResult;
  depthAfter: number;
}

/** Done to a scenario's folder before its measured server starts (8: the audit trail's writes switched off). */
export interface ScenarioVariant {
  name: string;
  dirName: string;
  beforeStart?: (dir: string) => Promise<void>;
}

/** 1. POST /tokens, 32 connections, each request with its own Idempotency-Key (as kiosks send). */
export async function issueTokens(ctx: Context, variant: ScenarioVariant = { name: '1 POST /tokens', dirName: 's1-tokens' }): Promise<TokensResult> {
  const { connections, durationS, warmupS } = ctx.settings;
  const dir = ctx.newDir(variant.dirName);
  await variant.beforeStart?.(dir);
  return withServer(ctx, variant.name, dir, async (server, api) => {
    const warm = await api.createDepartment('Warm-up', 'WARM');
    const dept = await api.createDepartment('General Medicine', 'GEN');
    const targets = targetsOf(server);
    await load({ targets, connections, durationS: warmupS, requests: issueRequests(api, warm.id, { idempotencyKey: true }), uniqueIds: true });
    const run = await load({ targets, connections, durationS, requests: issueRequests(api, dept.id, { idempotencyKey: true }), uniqueIds: true });
    return { run, depthAfter: await waitingCount(api, dept.id) };
  });
}

export interface CallNextResult {
  run: LoadResult;
  prefill: PrefillResult;
  depthBefore: number;
  depthAfter: number;
  /** The run ended before its duration because the line was about to run dry. */
  stoppedEarly: boolean;
  empty: number;
  duplicates: number;
}

/** Measures call-next on `servers` (load split between them) until the line would run dry. */
export async function measureCalls(ctx: Context, servers: ChildHandle[], api: Api, departmentId: string, counters: Counter[]): Promise<Omit<CallNextResult, 'prefill'>> {
  const { connections, durationS, warmupS } = ctx.settings;
  const targets = targetsOf(...servers);
  const requests = counters.map((c) => callNextRequest(api, c));
  const warm = callWatcher();
  await load({ targets, connections, durationS: Math.min(1, warmupS), requests, onResponse: warm.onResponse });
  const depthBefore = await waitingCount(api, departmentId);
  const measured = callWatcher();
  // Ends early rather than let the line run dry: every connection may have one more call in flight.
  const stopWhen = () => measured.state.calls >= depthBefore - 2 * connections;
  const run = await load({ targets, connections, durationS, requests, onResponse: measured.onResponse, stopWhen });
  return {
    run,
    depthBefore,
    depthAfter: await waitingCount(api, departmentId),
    stoppedEarly: run.elapsedS < durationS - 0.5,
    empty: measured.state.empty + warm.state.empty,
    duplicates: measured.state.duplicates + warm.state.duplicates,
  };
}

/** 2. POST /counters/:id/call-next, 32 connections over 8 counters of one department, on a line written before the start. */
export async function callNext(ctx: Context, variant: ScenarioVariant = { name: '2 call-next', dirName: 's2-call-next' }): Promise<CallNextResult> {
  const dir = ctx.newDir(variant.dirName);
  const line = await prepareLine(ctx, variant.name, dir, { name: 'Outpatients', code: 'OPD', counters: 8, depth: ctx.settings.callNextDepth });
  await variant.beforeStart?.(dir);
  return withServer(ctx, variant.name, dir, async (server, api) => {
    const waiting = await waitingCount(api, line.departmentId);
    if (waiting !== ctx.settings.callNextDepth) throw new Error(`expected ${ctx.settings.callNextDepth} waiting after the pre-fill, found ${waiting}`);
    return { prefill: line.prefill, ...(await measureCalls(ctx, [server], api, line.departmentId, line.counters)) };
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
    const requests: LoadRequest[] = issued.map((t) => statusRequest(t.number, t.patient.phoneLast4));
    const targets = targetsOf(server);
    await load({ targets, connections, durationS: warmupS, requests });
    const run = await load({ targets, connections, durationS, requests });
    return { run, tokens: issued.length };
  });
}
