import type { DepartmentEvent, DisplayToken, LiveServerMessage, PrivacyProfile, PublicStatus, Role, Token } from '@smart-token/contracts';
import { initialsOf } from '../../lib/names.js';
import { LIVE_MAX_SUBSCRIPTIONS } from '@smart-token/contracts';
import type { PendingEvent } from './live-events.js';

/** The part of a `ws` socket the hub uses. */
export interface LiveSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  ping(): void;
  terminate(): void;
  close(code?: number, reason?: string): void;
}

/** Who is on the socket: staff see full tokens, boards display-safe ones, anonymous patients only their own. */
export interface LivePrincipal {
  sessionId: string;
  role: Role;
  /** A board or kiosk device: its departments and its fixed privacy profile. */
  departmentIds?: readonly string[] | undefined;
  device?: { id: string; privacy: PrivacyProfile } | undefined;
}

export interface WaitingSnapshot {
  departmentName: string;
  /** Token id → people ahead, for the first part of the line. */
  ahead: Pick<Map<string, number>, 'get'>;
  /** Covers the whole line when true; otherwise tokens not in `ahead` are counted one by one. */
  complete: boolean;
  estimate(peopleAhead: number): PublicStatus['estimatedWait'];
}

export interface HubDeps {
  /** Events after `since` from the outbox, for gap filling; undefined when they are no longer kept. */
  eventsSince(departmentId: string, since: number, upTo: number): Promise<PendingEvent[] | undefined>;
  statusOf(tokenId: string): Promise<{ status: PublicStatus; departmentId: string } | undefined>;
  waitingSnapshot(departmentId: string): Promise<WaitingSnapshot>;
  /** Whether the staff session is still alive (re-checked on each heartbeat). */
  sessionAlive(sessionId: string): Promise<boolean>;
  onError(error: unknown, context: string): void;
}

const OPEN = 1;
/** A client this far behind is dropped rather than buffered without end. */
export const MAX_BUFFERED_BYTES = 512 * 1024;
export const HEARTBEAT_MS = 30_000;
const STAFF_ROLES: ReadonlySet<Role> = new Set(['admin', 'receptionist', 'doctor']);

interface DepartmentSub {
  lastSeq: number;
  view: 'staff' | 'display' | 'display-initials';
  /** Sends for one subscription run one after another, so events go out in seq order. */
  chain: Promise<void>;
}

interface StatusSub {
  tokenId: string;
  departmentId: string;
  /** What the patient was last sent, as sent: nothing goes out unless it changed. */
  last: string;
  status: PublicStatus;
}

class Client {
  alive = true;
  readonly departments = new Map<string, DepartmentSub>();
  status: StatusSub | undefined;
  constructor(readonly socket: LiveSocket, readonly principal: LivePrincipal | undefined) {}
  get subscriptionCount(): number {
    return this.departments.size + (this.status ? 1 : 0);
  }
}

const displayToken = (token: Token, counterName: string | undefined, initials: boolean): DisplayToken => ({
  number: token.number,
  status: token.status,
  ...(counterName !== undefined && { counterName }),
  ...(token.calledAt !== undefined && { calledAt: token.calledAt }),
  ...(initials && { initials: initialsOf(token.patient.name) }),
});

export class LiveError extends Error {
  constructor(readonly code: string, readonly detail: string) {
    super(detail);
  }
}

export function createLiveHub(deps: HubDeps) {
  const clients = new Set<Client>();
  const byDepartment = new Map<string, Set<Client>>();
  const patientsByDepartment = new Map<string, Set<Client>>();
  const patientsByToken = new Map<string, Set<Client>>();

  function send(client: Client, message: LiveServerMessage | string): void {
    if (client.socket.readyState !== OPEN) return;
    if (client.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      drop(client);
      client.socket.terminate();
      return;
    }
    client.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  function index<K>(map: Map<K, Set<Client>>, key: K, client: Client): void {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(client);
  }
  function unindex<K>(map: Map<K, Set<Client>>, key: K, client: Client): void {
    const set = map.get(key);
    set?.delete(client);
    if (set?.size === 0) map.delete(key);
  }

  function drop(client: Client): void {
    clients.delete(client);
    for (const departmentId of client.departments.keys()) unindex(byDepartment, departmentId, client);
    client.departments.clear();
    dropStatus(client);
  }

  function dropStatus(client: Client): void {
    if (!client.status) return;
    unindex(patientsByDepartment, client.status.departmentId, client);
    unindex(patientsByToken, client.status.tokenId, client);
    client.status = undefined;
  }

  function ensureRoom(client: Client): void {
    if (client.subscriptionCount >= LIVE_MAX_SUBSCRIPTIONS) {
      throw new LiveError('TOO_MANY_SUBSCRIPTIONS', `A connection may hold at most ${LIVE_MAX_SUBSCRIPTIONS} subscriptions.`);
    }
  }

  function renderDepartment(event: PendingEvent, view: DepartmentSub['view']): string {
    const base: DepartmentEvent & { topic: 'department' } = {
      topic: 'department',
      type: event.type,
      at: new Date(event.at).toISOString(),
      departmentId: event.departmentId,
      seq: event.seq,
      token: view === 'staff' ? event.token : displayToken(event.token, event.counterName, view === 'display-initials'),
      ...(event.counterName !== undefined && { counterName: event.counterName }),
    };
    return JSON.stringify(base);
  }

  /** Sends the subscription everything after its last seq up to `event`, in order, filling gaps from the outbox. */
  function deliverInOrder(client: Client, sub: DepartmentSub, event: PendingEvent, rendered: Map<string, string>): void {
    sub.chain = sub.chain
      .then(async () => {
        if (event.seq <= sub.lastSeq) return;
        if (event.seq > sub.lastSeq + 1) {
          const missing = await deps.eventsSince(event.departmentId, sub.lastSeq, event.seq - 1);
          if (!missing) {
            sub.lastSeq = event.seq;
            send(client, { type: 'resync', topic: 'department', departmentId: event.departmentId, seq: event.seq });
            return;
          }
          for (const m of missing) if (m.seq > sub.lastSeq) send(client, renderDepartment(m, sub.view));
        }
        let text = rendered.get(sub.view);
        if (!text) rendered.set(sub.view, (text = renderDepartment(event, sub.view)));
        send(client, text);
        sub.lastSeq = event.seq;
      })
      .catch((error: unknown) => deps.onError(error, 'live delivery'));
  }

  async function refreshPatients(events: PendingEvent[]): Promise<void> {
    const touchedTokens = new Map<string, PendingEvent>();
    const touchedDepartments = new Set<string>();
    for (const e of events) {
      touchedTokens.set(e.token.id, e);
      touchedDepartments.add(e.departmentId);
    }
    // Patients whose own token changed: their full status, and they may have moved department.
    for (const [tokenId, event] of touchedTokens) {
      const watchers = patientsByToken.get(tokenId);
      if (!watchers) continue;
      const fresh = await deps.statusOf(tokenId);
      if (!fresh) continue;
      for (const client of watchers) {
        const sub = client.status!;
        if (sub.departmentId !== fresh.departmentId) {
          unindex(patientsByDepartment, sub.departmentId, client);
          sub.departmentId = fresh.departmentId;
          index(patientsByDepartment, sub.departmentId, client);
        }
        sendStatus(client, event.type, fresh.status);
      }
    }
    // Everyone else waiting in a touched department may have moved up.
    for (const departmentId of touchedDepartments) {
      const watchers = patientsByDepartment.get(departmentId);
      if (!watchers) continue;
      const others = [...watchers].filter((c) => !touchedTokens.has(c.status!.tokenId));
      if (others.length === 0) continue;
      const snapshot = await deps.waitingSnapshot(departmentId);
      for (const client of others) {
        const sub = client.status!;
        const ahead = snapshot.ahead.get(sub.tokenId);
        if (ahead !== undefined) {
          sendStatus(client, 'queue.changed', { ...sub.status, position: ahead + 1, peopleAhead: ahead, estimatedWait: snapshot.estimate(ahead) });
        } else if (!snapshot.complete) {
          const fresh = await deps.statusOf(sub.tokenId);
          if (fresh) sendStatus(client, 'queue.changed', fresh.status);
        }
      }
    }
  }

  function sendStatus(client: Client, type: PendingEvent['type'], status: PublicStatus): void {
    const sub = client.status;
    if (!sub) return;
    const text = JSON.stringify(status);
    if (text === sub.last) return;
    sub.last = text;
    sub.status = status;
    // The status is already JSON: wrap it rather than serialise it a second time (900 patients per call).
    send(client, `{"type":${JSON.stringify(type)},"at":"${new Date().toISOString()}","topic":"status","status":${text}}`);
  }

  /** Closes the socket of a signed-in client whose session or device key is no longer good. */
  function checkSession(client: Client): void {
    const principal = client.principal;
    if (!principal) return;
    deps.sessionAlive(principal.sessionId).then(
      (alive) => {
        if (!alive && clients.has(client)) {
          drop(client);
          client.socket.close(1008, 'session ended');
        }
      },
      (error: unknown) => deps.onError(error, 'live session check'),
    );
  }

  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        drop(client);
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
      checkSession(client);
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    connect(socket: LiveSocket, principal: LivePrincipal | undefined): Client {
      const client = new Client(socket, principal);
      clients.add(client);
      return client;
    },

    disconnect: drop,

    pong(client: Client): void {
      client.alive = true;
    },

    /** Staff get full tokens, boards display-safe ones; without a login there is no department topic. */
    subscribeDepartment(client: Client, departmentId: string, currentSeq: number, since: number | undefined, privacy: PrivacyProfile = 'token'): void {
      const principal = client.principal;
      if (!principal) throw new LiveError('UNAUTHENTICATED', 'Sign in (session cookie or a live ticket) to follow a department.');
      if (!STAFF_ROLES.has(principal.role) && principal.role !== 'display') {
        throw new LiveError('FORBIDDEN', `The ${principal.role} role may not follow a department.`);
      }
      if (principal.device && !(principal.departmentIds ?? []).includes(departmentId)) {
        throw new LiveError('FORBIDDEN', `This board may not follow department ${departmentId}; an admin chooses its departments.`);
      }
      if (!client.departments.has(departmentId)) ensureRoom(client);
      // A board device shows what its key allows, whatever it asks for.
      const shown = principal.device ? principal.device.privacy : privacy;
      const view = STAFF_ROLES.has(principal.role) ? 'staff' : shown === 'initials' ? 'display-initials' : 'display';
      const start = since === undefined ? currentSeq : Math.min(since, currentSeq);
      const sub: DepartmentSub = { lastSeq: start, view, chain: Promise.resolve() };
      client.departments.set(departmentId, sub);
      index(byDepartment, departmentId, client);
      send(client, { type: 'subscribed', topic: 'department', departmentId, seq: currentSeq });
      if (start < currentSeq) {
        sub.chain = sub.chain
          .then(async () => {
            const missing = await deps.eventsSince(departmentId, start, currentSeq);
            if (!missing) {
              sub.lastSeq = currentSeq;
              send(client, { type: 'resync', topic: 'department', departmentId, seq: currentSeq });
              return;
            }
            for (const m of missing) {
              if (m.seq <= sub.lastSeq) continue;
              send(client, renderDepartment(m, view));
              sub.lastSeq = m.seq;
            }
          })
          .catch((error: unknown) => deps.onError(error, 'live replay'));
      }
    },

    unsubscribeDepartment(client: Client, departmentId: string): void {
      client.departments.delete(departmentId);
      unindex(byDepartment, departmentId, client);
      send(client, { type: 'unsubscribed', topic: 'department', departmentId });
    },

    /** A patient follows one token: their own, found by status key or number + digits. */
    subscribeStatus(client: Client, tokenId: string, departmentId: string, status: PublicStatus): void {
      if (!client.status) ensureRoom(client);
      dropStatus(client);
      client.status = { tokenId, departmentId, last: JSON.stringify(status), status };
      index(patientsByDepartment, departmentId, client);
      index(patientsByToken, tokenId, client);
      send(client, { type: 'subscribed', topic: 'status', status });
    },

    send,

    /** Called with every committed batch of events, from this instance or another. */
    deliver(events: PendingEvent[]): void {
      const rendered = new Map<PendingEvent, Map<string, string>>();
      for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
        const subscribers = byDepartment.get(event.departmentId);
        if (!subscribers) continue;
        let cache = rendered.get(event);
        if (!cache) rendered.set(event, (cache = new Map<string, string>()));
        for (const client of subscribers) {
          const sub = client.departments.get(event.departmentId);
          if (sub) deliverInOrder(client, sub, event, cache);
        }
      }
      if (patientsByToken.size > 0) refreshPatients(events).catch((error: unknown) => deps.onError(error, 'live patient status'));
    },

    /**
     * Checks again, now rather than at the next heartbeat, the sessions of the signed-in sockets
     * (of one session, or all): a session ended or a user disabled on any instance closes its sockets
     * within the second.
     */
    recheckSessions(sessionId?: string): void {
      for (const client of [...clients]) if (sessionId === undefined || client.principal?.sessionId === sessionId) checkSession(client);
    },

    /** Closes every socket of this session or device at once (a revoked device key, on every instance). */
    closeSession(sessionId: string, reason: string): number {
      let closed = 0;
      for (const client of [...clients]) {
        if (client.principal?.sessionId !== sessionId) continue;
        drop(client);
        client.socket.close(1008, reason);
        closed += 1;
      }
      return closed;
    },

    stats: () => ({ clients: clients.size, departments: byDepartment.size, patients: patientsByToken.size }),

    close(): void {
      clearInterval(heartbeat);
      for (const client of clients) client.socket.close(1001, 'server shutting down');
      clients.clear();
    },
  };
}

export type LiveHub = ReturnType<typeof createLiveHub>;
export type LiveClient = Client;
