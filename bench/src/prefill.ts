/**
 * Puts a deep line of waiting tokens into a department, with the server stopped (so a server that
 * rebuilds an in-memory read model from the database at start sees the whole line).
 *
 * Fast path: the rows `issue` (apps/server/src/modules/queue/queue.service.ts) writes, written
 * straight into the SQLite file or the PostgreSQL database in one transaction, built with the
 * server's own helpers (ids, secrets, numbers, lanes, phones, the token's JSON). Before it commits,
 * the result is compared with a token the server issued over HTTP: the same tables changed, the
 * same storage class (SQLite) or type (PostgreSQL) and the same NULLs in every column, the same JSON
 * shape in the live event, and every counter (daily sequence, lane count, event sequence) agreeing
 * with the rows. Any difference rolls it back, and the line is filled by
 * the server's own issue() instead (exact by construction, but slower).
 *
 * Aged tokens: the oldest `aged.count` tokens are written as if issued `aged.fromMsAgo` to
 * `aged.toMsAgo` ago (every time field of the token, its transition and its event), so they have
 * waited past the department's maxWaitMinutes; the rest are issued now.
 */
import { loadConfig } from '../../apps/server/dist/config.js';
import { buildApp } from '../../apps/server/dist/app.js';
import { newId, newSecret, sha256 } from '../../apps/server/dist/lib/ids.js';
import { lastFour, toE164 } from '../../apps/server/dist/lib/phone.js';
import { laneFor } from '../../apps/server/dist/modules/queue/call-order.js';
import { patients } from './api.js';
import { openStore, type DataSource, type Row, type Store } from './stores.js';

const DEFAULT_PHONE_REGION = 'IN';
/** Tables the fast path knows how to write for an issued token. */
const FAST_PATH_TABLES = new Set(['tokens', 'token_transitions', 'daily_sequences', 'queue_lane_counts', 'live_events', 'department_event_seqs']);
/** Keys of a `token.issued` event's payload the fast path can build. */
const EVENT_PAYLOAD_KEYS = new Set(['token', 'order']);
const SERVICE_CONCURRENCY = 256;
/** Rows built and written at a time, so a line of 100,000 never sits in memory whole. */
const CHUNK = 5_000;
/** Server modules that have held the token helpers; the first that exports them is used. */
const TOKEN_HELPER_MODULES = ['../../apps/server/dist/modules/queue/tokens.js', '../../apps/server/dist/modules/queue/queue.service.js'];

export class ShapeMismatch extends Error {}

interface TokenHelpers {
  formatNumber: (code: string, seq: number) => string;
  toToken: (row: never) => unknown;
}

/** The server's own number format and token JSON, wherever the server keeps them now. */
async function tokenHelpers(): Promise<TokenHelpers> {
  for (const path of TOKEN_HELPER_MODULES) {
    try {
      const mod = (await import(path)) as Partial<TokenHelpers>;
      if (typeof mod.formatNumber === 'function' && typeof mod.toToken === 'function') return { formatNumber: mod.formatNumber, toToken: mod.toToken };
    } catch {
      // not in this module (moved or renamed); try the next
    }
  }
  throw new ShapeMismatch(`formatNumber/toToken are in none of ${TOKEN_HELPER_MODULES.join(', ')}`);
}

/** The key paths of a JSON value, so two payloads can be compared by shape. */
function shape(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object') return [`${path}:${value === null ? 'null' : typeof value}`];
  if (Array.isArray(value)) return [`${path}:array`];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => shape(v, `${path}.${k}`)).sort();
}

function expectSame(what: string, want: unknown, got: unknown): void {
  if (JSON.stringify(want) !== JSON.stringify(got)) throw new ShapeMismatch(`${what}: the server wrote ${JSON.stringify(want)}, the pre-fill ${JSON.stringify(got)}`);
}

export interface AgedOption {
  count: number;
  fromMsAgo: number;
  toMsAgo: number;
}

export interface PrefillOptions {
  source: DataSource;
  /** The server's environment, for the exact path (the server's own issue() in this process). */
  env: Record<string, string>;
  /** The last token the server issued over HTTP into the department. */
  templateTokenId: string;
  /** The tables that issue changed. */
  footprint: string[];
  count: number;
  aged?: AgedOption;
}

export interface PrefillResult {
  written: number;
  aged: number;
  seconds: number;
  method: 'direct rows' | 'server issue()';
  /** Why the fast path was not used, when it was not. */
  fallbackReason?: string;
}

/** When the i-th aged token (from 1) was issued: spread over the aged window, oldest first. */
function agedIssuedAt(i: number, aged: AgedOption, now: number): number {
  const span = aged.fromMsAgo - aged.toMsAgo;
  return now - aged.fromMsAgo + Math.floor(((i - 1) * span) / Math.max(1, aged.count));
}

const num = (row: Row | undefined, column: string): number => Number(row?.[column]);

/** Fast path; throws ShapeMismatch (having written nothing) when the server's rows differ. */
async function writeRows(store: Store, options: PrefillOptions): Promise<void> {
  const { templateTokenId, footprint, count, aged } = options;
  const unknown = footprint.filter((t) => !FAST_PATH_TABLES.has(t));
  if (unknown.length > 0) throw new ShapeMismatch(`an issue now also writes ${unknown.join(', ')}`);
  const { formatNumber, toToken } = await tokenHelpers();
  const template = (await store.get('select * from tokens where id = ?', templateTokenId))!;
  const templateIssue = (await store.get(`select * from token_transitions where token_id = ? and action = 'issue'`, templateTokenId))!;
  const departmentId = String(template.department_id);
  const day = String(template.issue_day);
  const code = String(template.number).split('-')[0]!;
  expectSame('number format', template.number, formatNumber(code, Number(template.seq)));
  const writesEvents = footprint.includes('live_events');
  const templateEvent = writesEvents ? await store.get('select * from live_events where token_id = ?', templateTokenId) : undefined;
  const templatePayload = templateEvent ? (JSON.parse(String(templateEvent.payload)) as Record<string, unknown>) : {};
  const extraKeys = Object.keys(templatePayload).filter((k) => !EVENT_PAYLOAD_KEYS.has(k));
  if (extraKeys.length > 0) throw new ShapeMismatch(`a token.issued event now also carries ${extraKeys.join(', ')}`);
  const lastSequence = num(await store.get('select last_value from daily_sequences where department_id = ? and day = ?', departmentId, day), 'last_value');
  const eventSeq = writesEvents ? num(await store.get('select last_seq from department_event_seqs where department_id = ?', departmentId), 'last_seq') : 0;
  // Phones parsed once per patient, as the server would parse each patient's phone the same way.
  const people = patients(1_000, 50_000).map((p) => ({ name: p.name, phone: toE164(p.phone, DEFAULT_PHONE_REGION, 'patient.phone') }));
  const started = Date.now();
  let firstId: string | undefined;

  await store.run('begin');
  try {
    let seq = lastSequence;
    for (let done = 0; done < count; ) {
      const tokens: Row[] = [];
      const transitions: Row[] = [];
      const events: Row[] = [];
      for (const end = Math.min(count, done + CHUNK); done < end; ) {
        done++;
        seq++;
        const now = aged && done <= aged.count ? agedIssuedAt(done, aged, started) : Date.now();
        const patient = people[seq % people.length]!;
        const phone = patient.phone;
        const priority = 'normal' as const;
        // Field for field the row `issue` builds, in the same order.
        const token = {
          id: newId(),
          number: formatNumber(code, seq),
          issue_day: day,
          issued_department_id: departmentId,
          seq,
          status: 'waiting' as const,
          department_id: departmentId,
          priority,
          lane: laneFor(priority),
          queued_at: now,
          park_remaining: null,
          counter_id: null,
          recall_count: 0,
          patient_name: patient.name,
          phone_e164: phone,
          phone_last4: lastFour(phone),
          language: null,
          notify_channel: null,
          status_key_hash: sha256(newSecret()),
          issued_at: now,
          called_at: null,
          started_at: null,
          completed_at: null,
          updated_at: now,
          version: 1,
        };
        tokens.push(token);
        transitions.push({
          id: newId(),
          token_id: token.id,
          version: 1,
          action: 'issue',
          at: now,
          actor_id: templateIssue.actor_id ?? null,
          actor_label: templateIssue.actor_label ?? null,
          from_status: null,
          to_status: 'waiting',
          from_department_id: null,
          department_id: departmentId,
          counter_id: null,
          reason: null,
          before_state: null,
        });
        if (writesEvents) {
          const payload = { token: toToken(token as never), ...('order' in templatePayload && { order: { lane: token.lane, queuedAt: token.queued_at } }) };
          events.push({ department_id: departmentId, seq: eventSeq + done, type: String(templateEvent!.type), token_id: token.id, payload: JSON.stringify(payload), at: now });
        }
        firstId ??= token.id;
      }
      await store.insertMany('tokens', tokens);
      await store.insertMany('token_transitions', transitions);
      await store.insertMany('live_events', events);
    }
    await store.run('update daily_sequences set last_value = ? where department_id = ? and day = ?', seq, departmentId, day);
    if (footprint.includes('queue_lane_counts')) {
      await store.run('update queue_lane_counts set waiting = waiting + ? where department_id = ? and lane = ?', count, departmentId, template.lane ?? null);
    }
    if (writesEvents) await store.run('update department_event_seqs set last_seq = ? where department_id = ?', eventSeq + count, departmentId);

    // The proof, before anything is committed.
    expectSame('tokens columns', await store.columnKinds('tokens', 'id = ?', templateTokenId), await store.columnKinds('tokens', 'id = ?', firstId!));
    expectSame('token_transitions columns', await store.columnKinds('token_transitions', 'token_id = ?', templateTokenId), await store.columnKinds('token_transitions', 'token_id = ?', firstId!));
    const ofDay = await store.get('select count(*) as n, max(seq) as top from tokens where issued_department_id = ? and issue_day = ?', departmentId, day);
    const lastValue = num(await store.get('select last_value from daily_sequences where department_id = ? and day = ?', departmentId, day), 'last_value');
    expectSame('daily sequence', { n: num(ofDay, 'n'), top: num(ofDay, 'n') }, { n: lastValue, top: num(ofDay, 'top') });
    if (footprint.includes('queue_lane_counts')) {
      const waiting = num(await store.get(`select count(*) as n from tokens where department_id = ? and status = 'waiting' and lane = ?`, departmentId, template.lane ?? null), 'n');
      const kept = num(await store.get('select waiting from queue_lane_counts where department_id = ? and lane = ?', departmentId, template.lane ?? null), 'waiting');
      expectSame('lane count', waiting, kept);
    }
    if (writesEvents) {
      const mine = await store.get('select * from live_events where token_id = ?', firstId!);
      expectSame('live_events columns', await store.columnKinds('live_events', 'token_id = ?', templateTokenId), await store.columnKinds('live_events', 'token_id = ?', firstId!));
      expectSame('live event payload', shape(templatePayload), shape(JSON.parse(String(mine?.payload))));
      const events = await store.get('select count(*) as n, max(seq) as top from live_events where department_id = ?', departmentId);
      const lastSeq = num(await store.get('select last_seq from department_event_seqs where department_id = ?', departmentId), 'last_seq');
      expectSame('event sequence', { n: num(events, 'n'), top: num(events, 'n') }, { n: lastSeq, top: num(events, 'top') });
    }
    await store.run('commit');
  } catch (error) {
    await store.run('rollback');
    throw error;
  }
  await store.analyze(footprint);
}

/**
 * Exact path: the built server's own issue(), in this process, on the stopped server's database.
 * Aged tokens are issued one at a time on a clock set back for each; the rest many at a time.
 */
async function issueThroughService(env: Record<string, string>, departmentId: string, actor: { id: string | null; label: string }, count: number, aged: AgedOption | undefined): Promise<void> {
  let setBack: number | undefined;
  const clock = { now: () => setBack ?? Date.now() };
  const app = await buildApp(loadConfig({ ...env, LOG_LEVEL: 'error' }), { clock });
  try {
    const people = patients(1_000, 50_000);
    const started = Date.now();
    let next = 0;
    for (; aged && next < aged.count && next < count; next++) {
      setBack = agedIssuedAt(next + 1, aged, started);
      await app.services.queue.issue(actor, { departmentId, patient: people[next % people.length]! });
    }
    setBack = undefined;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        await app.services.queue.issue(actor, { departmentId, patient: people[i % people.length]! });
      }
    };
    await Promise.all(Array.from({ length: SERVICE_CONCURRENCY }, worker));
  } finally {
    await app.close();
  }
}

/**
 * Appends `count` waiting tokens after `templateTokenId`, the last token the server issued over HTTP
 * into the department; `footprint` is the tables that issue changed.
 */
export async function prefillWaiting(options: PrefillOptions): Promise<PrefillResult> {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const aged = Math.min(options.count, options.aged?.count ?? 0);
  const store = await openStore(options.source);
  let mismatch: ShapeMismatch | undefined;
  let issue: Row | undefined;
  try {
    await writeRows(store, options);
  } catch (error) {
    if (!(error instanceof ShapeMismatch)) throw error;
    mismatch = error;
    issue = await store.get(`select department_id, actor_id, actor_label from token_transitions where token_id = ? and action = 'issue'`, options.templateTokenId);
  } finally {
    await store.close();
  }
  if (!mismatch) return { written: options.count, aged, seconds: seconds(), method: 'direct rows' };
  const actor = { id: typeof issue?.actor_id === 'string' ? issue.actor_id : null, label: String(issue?.actor_label) };
  await issueThroughService(options.env, String(issue?.department_id), actor, options.count, options.aged);
  return { written: options.count, aged, seconds: seconds(), method: 'server issue()', fallbackReason: mismatch.message };
}

/** Number and last 4 digits of the waiting tokens at 1-based places `from`..`to` of a line that has only normal, un-aged tokens. */
/** The waiting tokens at places `from`–`to` (their phones are encrypted in the database: the server's API tells their last 4). */
export async function tokensAtPlaces(source: DataSource, departmentId: string, from: number, to: number): Promise<{ id: string; number: string; place: number }[]> {
  const store = await openStore(source);
  try {
    const rows = await store.all(`select id, number from tokens where department_id = ? and status = 'waiting' order by lane desc, queued_at, id limit ? offset ?`, departmentId, to - from + 1, from - 1);
    return rows.map((r, i) => ({ id: String(r.id), number: String(r.number), place: from + i }));
  } finally {
    await store.close();
  }
}
