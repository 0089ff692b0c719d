/**
 * Scenario 4: does the work of a request grow with the line? Each figure compares one connection's
 * latency on a line of 100,000 with the same on a line of 100; both lines are written before the
 * server starts (see line.ts and prefill.ts).
 */
import { patients, type IssuedToken } from './api.js';
import { callNextRequest, callWatcher, issueRequests, statusRequest, targetsOf, waitingCount, withServer, type Context } from './harness.js';
import { prepareLine } from './line.js';
import { load, type Latency, type LoadResult } from './load.js';
import { tokensAtPlaces, type PrefillResult } from './prefill.js';

/** Lookups cycle through this many tokens ending at the place measured. */
const STATUS_LOOKUPS = 10;
/** The aged-priority line's department: tokens older than this count into the priority lane. */
export const AGED_MAX_WAIT_MINUTES = 10;
const MINUTE_MS = 60_000;
/** Aged tokens were issued 20 to 15 minutes ago: past maxWaitMinutes, the rest stay un-aged for 10 minutes. */
const AGED_WINDOW = { fromMsAgo: 20 * MINUTE_MS, toMsAgo: 15 * MINUTE_MS };

export interface LineAtDepth {
  depth: number;
  prefill: PrefillResult;
  /** Status lookups of the tokens at places `places[0]`..`places[1]`. */
  status: LoadResult;
  places: [number, number];
  /** One connection alternating POST /tokens and call-next, so the depth holds. */
  calls: LoadResult;
  call: Latency;
  issueBetween: Latency;
  depthAfter: number;
}

export interface AgedAtDepth {
  depth: number;
  aged: number;
  prefill: PrefillResult;
  /** The place the server gave the first priority token: every aged token ahead of it, plus one. */
  firstPlace: number;
  run: LoadResult;
  depthAfter: number;
}

export interface DepthPair<T> {
  shallow: T;
  deep: T;
}

const kind = (r: LoadResult, k: string): Latency => {
  const l = r.byKind[k];
  if (!l) throw new Error(`no ${k} responses in the run`);
  return l;
};

/** 4a/4b: status lookups at `place`, then call-next, on one line of `depth` waiting. */
async function lineAtDepth(ctx: Context, depth: number, place: number): Promise<LineAtDepth> {
  const { depthConnections: connections, depthDurationS: durationS, warmupS } = ctx.settings;
  const dir = ctx.newDir(`s4-line-${depth}`);
  const line = await prepareLine(ctx, `4 line of ${depth}`, dir, { name: 'Cardiology', code: 'CARD', counters: 1, depth });
  const from = Math.max(1, place - STATUS_LOOKUPS + 1);
  const places = await tokensAtPlaces(line.source, line.departmentId, from, place);
  return withServer(ctx, `4 line of ${depth.toLocaleString('en-US')}`, dir, async (server, api) => {
    const before = await waitingCount(api, line.departmentId);
    if (before !== depth) throw new Error(`expected ${depth} waiting after the pre-fill, found ${before}`);
    const lookups: { number: string; phoneLast4: string; place: number }[] = [];
    for (const t of places) lookups.push({ ...t, phoneLast4: (await api.get<{ patient: { phoneLast4: string } }>(`/tokens/${t.id}`)).patient.phoneLast4 });
    for (const t of lookups) {
      const status = await api.post<{ position: number | null }>('/public/status', { token: t.number, phoneLast4: t.phoneLast4 }, 200);
      if (status.position !== t.place) throw new Error(`${t.number} should be at place ${t.place}; the server says ${status.position}`);
    }
    const targets = targetsOf(server);
    const statusRequests = lookups.map((t) => statusRequest(t.number, t.phoneLast4));
    await load({ targets, connections, durationS: warmupS, requests: statusRequests });
    const status = await load({ targets, connections, durationS, requests: statusRequests });

    const requests = [issueRequests(api, line.departmentId, { count: 1 })[0]!, callNextRequest(api, line.counters[0]!)];
    const watch = callWatcher();
    await load({ targets, connections, durationS: warmupS, requests, onResponse: watch.onResponse });
    const calls = await load({ targets, connections, durationS, requests, onResponse: watch.onResponse });
    if (watch.state.empty > 0 || watch.state.duplicates > 0) throw new Error(`call-next answered empty ${watch.state.empty}×, duplicate ${watch.state.duplicates}×`);
    return {
      depth,
      prefill: line.prefill,
      status,
      places: [from, place],
      calls,
      call: kind(calls, 'call'),
      issueBetween: kind(calls, 'issue'),
      depthAfter: await waitingCount(api, line.departmentId),
    };
  });
}

/** 4c: priority POST /tokens on a line of `depth` whose oldest share has waited past maxWaitMinutes. */
async function agedAtDepth(ctx: Context, depth: number): Promise<AgedAtDepth> {
  const { depthConnections: connections, depthDurationS: durationS, warmupS, agedShare } = ctx.settings;
  const dir = ctx.newDir(`s4-aged-${depth}`);
  const aged = Math.round(depth * agedShare);
  const line = await prepareLine(ctx, `4 aged line of ${depth}`, dir, {
    name: 'Geriatrics',
    code: 'GER',
    counters: 0,
    depth,
    maxWaitMinutes: AGED_MAX_WAIT_MINUTES,
    aged: { count: aged, ...AGED_WINDOW },
  });
  return withServer(ctx, `4 aged line of ${depth.toLocaleString('en-US')}`, dir, async (server, api) => {
    const before = await waitingCount(api, line.departmentId);
    if (before !== depth) throw new Error(`expected ${depth} waiting after the pre-fill, found ${before}`);
    const first = await api.post<IssuedToken & { position?: number }>('/tokens', { departmentId: line.departmentId, patient: patients(1, 95_000)[0], priority: 'priority' }, 201);
    if (first.position !== aged + 1) throw new Error(`the first priority token should stand behind the ${aged} aged tokens (place ${aged + 1}); the server says ${first.position}`);
    const targets = targetsOf(server);
    const requests = issueRequests(api, line.departmentId, { priority: 'priority' });
    await load({ targets, connections, durationS: warmupS, requests });
    const run = await load({ targets, connections, durationS, requests });
    return { depth, aged, prefill: line.prefill, firstPlace: first.position, run, depthAfter: await waitingCount(api, line.departmentId) };
  });
}

export async function linesAtDepth(ctx: Context): Promise<DepthPair<LineAtDepth>> {
  const { depths, statusPlaces } = ctx.settings;
  return { shallow: await lineAtDepth(ctx, depths.shallow, statusPlaces.shallow), deep: await lineAtDepth(ctx, depths.deep, statusPlaces.deep) };
}

export async function agedAtDepths(ctx: Context): Promise<DepthPair<AgedAtDepth>> {
  const { depths } = ctx.settings;
  return { shallow: await agedAtDepth(ctx, depths.shallow), deep: await agedAtDepth(ctx, depths.deep) };
}
