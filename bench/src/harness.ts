import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Api, patients, type Counter, type IssuedToken } from './api.js';
import type { LoadRequest, Target } from './load.js';
import { startSmartToken, type ChildHandle, type Memory, type ServerOptions } from './processes.js';

export interface Settings {
  connections: number;
  durationS: number;
  warmupS: number;
  /** Depth scenarios: connections and duration of each measured run. */
  depthConnections: number;
  depthDurationS: number;
  depths: { shallow: number; deep: number };
  /** Depth scenarios: the place in line whose status is looked up, at each depth. */
  statusPlaces: { shallow: number; deep: number };
  /** Depth scenarios: the share of the line that has waited past maxWaitMinutes, for the priority issue. */
  agedShare: number;
  /** Scenario 2: waiting tokens put in line before call-next is measured. */
  callNextDepth: number;
  rawSeconds: number;
  probeSeconds: number;
  pgClients: number;
}

/** A server's footprint after its scenario, for the memory figure. */
export interface ServerRecord {
  server: string;
  memory: Memory;
  /** Bytes of log it wrote (LOG_LEVEL unset = info). */
  logBytes: number;
}

export interface Context {
  settings: Settings;
  jwtSecret: string;
  /** 8c's trail of a million entries, written by the first round that needs it. */
  auditTrailFile?: string;
  /** A fresh folder under the run's temp folder. */
  newDir(name: string): string;
  /** Every measured server's memory after its scenario. */
  servers: ServerRecord[];
}

export const API = '/api/v1';
const PATIENT_BODIES = 16;

export function newDirFactory(root: string): (name: string) => string {
  let n = 0;
  return (name) => {
    const dir = join(root, `${String(++n).padStart(3, '0')}-${name}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
}

export const targetsOf = (...servers: ChildHandle[]): Target[] => servers.map((s) => ({ url: s.url, pid: s.pid }));

/** Stops a server and keeps its memory and log size for the report (memory is read before the stop). */
export async function stopRecorded(ctx: Context, name: string, server: ChildHandle, record: boolean): Promise<void> {
  const memory = record ? server.memory() : undefined;
  await server.stop();
  if (memory) ctx.servers.push({ server: name, memory, logBytes: server.logBytes() });
}

/** Runs `run` against a fresh server child on `dir`; its memory afterwards counts for the memory figure unless `setupOnly`. */
export async function withServer<T>(
  ctx: Context,
  name: string,
  dir: string,
  run: (server: ChildHandle, api: Api) => Promise<T>,
  options: { setupOnly?: boolean; server?: Partial<ServerOptions> } = {},
): Promise<T> {
  const server = await startSmartToken({ dir, jwtSecret: ctx.jwtSecret, ...options.server });
  let ok = false;
  try {
    const api = await Api.login(server.url);
    const result = await run(server, api);
    ok = true;
    return result;
  } catch (error) {
    await server.stop();
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}\n--- server output ---\n${server.output()}`, { cause: error });
  } finally {
    await stopRecorded(ctx, name, server, ok && !options.setupOnly);
  }
}

export function issueRequests(api: Api, departmentId: string, options: { idempotencyKey?: boolean; count?: number; priority?: 'priority' } = {}): LoadRequest[] {
  return patients(options.count ?? PATIENT_BODIES).map((patient) => ({
    kind: 'issue',
    method: 'POST',
    path: `${API}/tokens`,
    headers: { ...api.authHeaders, ...(options.idempotencyKey && { 'idempotency-key': 'bench-[<id>]' }) },
    body: JSON.stringify({ departmentId, patient, ...(options.priority && { priority: options.priority }) }),
  }));
}

export const callNextRequest = (api: Api, counter: Counter): LoadRequest => ({
  kind: 'call',
  method: 'POST',
  path: `${API}/counters/${counter.id}/call-next`,
  headers: { authorization: `Bearer ${api.accessToken}` },
});

export async function waitingCount(api: Api, departmentId: string): Promise<number> {
  return (await api.get<{ waitingCount: number }>(`/departments/${departmentId}/queue?limit=1`)).waitingCount;
}

/** Watches call-next answers: the queue must never run dry, and no token may be handed out twice. */
export function callWatcher() {
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

export const statusRequest = (number: string, phoneLast4: string): LoadRequest => ({
  kind: 'status',
  method: 'POST',
  path: `${API}/public/status`,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ token: number, phoneLast4 }),
});
