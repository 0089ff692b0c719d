import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FREE_TEXT_FIELDS } from './plugins/input-detector.js';
import { clinicState, stateChanges, type ClinicState } from './test/clinic-state.js';
import { DIALECTS } from './test/databases.js';
import { TEST_PASSWORD, nextPhone, startTestApp, type TestApp } from './test/test-app.js';

// Issue 15's hostile-input corpus, sent to every write operation the OpenAPI document publishes (a
// route added later is walked too, and fails here until it has an entry below). bad-input.test.ts
// covers wrong types, missing fields and malformed JSON route by route; plugins/http-hardening.test.ts
// covers a body dribbled slowly (408), so neither is repeated here.

type Caller = 'admin' | 'receptionist' | 'doctor' | 'self' | 'public';
type Body = Record<string, unknown>;
type Path = (string | number)[];

interface Operation {
  key: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  roles: string[];
  takesBody: boolean;
  strings: Path[];
  numbers: Path[];
}

interface Entry {
  caller: Caller;
  /** Path parameters, made when first needed, and made again after a 2xx when `fresh` (it used them up). */
  params?: () => Promise<Record<string, string>>;
  fresh?: boolean;
  /** A body the route takes; omitted when it takes none. */
  body?: () => Body;
  /** The string fields that get every hostile string ('all', or dotted paths); by default the free-text ones, else the first. */
  fields?: 'all' | string[];
  /** Setup names: trimmed with inner spaces made one, and unique, so accepted text gets a suffix. */
  setupName?: boolean;
  /** The stored record after a 2xx, shaped like the body, to read text back through the API. */
  readBack?: (res: LightMyRequestResponse, params: Record<string, string>, body: Record<string, unknown>) => Promise<unknown>;
  /** A 2xx ends the caller's session. */
  endsSession?: boolean;
}

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const TEN_MEGABYTES = 10 * 1024 * 1024;
const DEPTH = 100;

const HOSTILE_STRINGS: [label: string, value: string][] = [
  ['sql or', "' OR 1=1--"],
  ['sql drop', "'; DROP TABLE tokens;--"],
  ['sql union', "x' UNION SELECT password_hash, email FROM users--"],
  ['xss script', '<script>alert(1)</script>'],
  ['xss img', '<img src=x onerror=alert(1)>'],
  ['javascript url', 'javascript:alert(document.cookie)'],
  ['traversal', '../../etc/passwd'],
  ['traversal encoded', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
  ['huge number', '1e308'],
  ['unsafe integer', '9007199254740993'],
  ['negative huge', '-1e308'],
  ['NaN', 'NaN'],
  ['rtl override', '\u202Egnp.exe'],
  ['zero-width joiners', 'A\u200B\u200C\u200Dsha'],
  ['NUL', 'Asha\u0000Rao'],
  ['lone surrogate', 'Asha\uD800Rao'],
  ['combining x1000', `Z${'\u0301'.repeat(1000)}`],
  ['100k characters', 'A'.repeat(100_000)],
  ['crlf', 'Asha\r\nSet-Cookie: admin=1'],
];

/** Text real people type: every free-text field must take it and give it back as typed. */
const FRIENDLY = ["O'Brien", '<3', 'Ravi "Doc" Kumar', '<b>Asha</b> & <i>Rao</i>', "D'Souza-Ångström", 'محمد علي', 'अमित शर्मा', 'Meera 👩🏽‍⚕️'];

/** As written into the URL in place of an id. */
const HOSTILE_IDS: [label: string, segment: string][] = [
  ['sql or', encodeURIComponent("' OR 1=1--")],
  ['xss', encodeURIComponent('<script>alert(1)</script>')],
  ['traversal', encodeURIComponent('../../etc/passwd')],
  ['traversal encoded', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
  ['NUL', 'abc%00def'],
  ['lone surrogate bytes', '%ED%A0%80'],
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['unsafe integer', '9007199254740993'],
  ['100k characters', 'a'.repeat(100_000)],
];

/** Literals for number fields (spliced in as JSON text): all of this API's numbers are bounded integers. */
const HOSTILE_NUMBERS = ['1e308', '-1e308', '9007199254740993', '1e999', '-1e999', '"NaN"', '"1e308"', '0.5'];

const POLLUTION = '"__proto__":{"x":1},"constructor":{"prototype":{"x":1}}';
const QUERY_POLLUTION = '?__proto__[x]=1&constructor[prototype][x]=1&q=%27%20OR%201%3D1--';

const label = (value: string) => JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}…(${value.length})` : value);
const dotted = (path: Path) => path.join('.');
const clone = <T>(value: T): T => structuredClone(value);

function setAt(target: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  let node: Record<string | number, unknown> = target;
  path.forEach((step, i) => {
    if (i === path.length - 1) node[step] = value;
    else node = (node[step] ??= typeof path[i + 1] === 'number' ? [] : {}) as Record<string | number, unknown>;
  });
  return target;
}

function getAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, step) => (node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[step] : undefined), value);
}

/** The string and number fields of a request body schema, in the schema's order. */
function fieldsOf(schema: Schema | undefined, at: Path = [], out = { strings: [] as Path[], numbers: [] as Path[] }) {
  if (!schema) return out;
  for (const option of schema.anyOf ?? []) fieldsOf(option, at, out);
  if (schema.type === 'string' && !out.strings.some((p) => dotted(p) === dotted(at))) out.strings.push(at);
  if (schema.type === 'integer' || schema.type === 'number') out.numbers.push(at);
  if (schema.type === 'array') fieldsOf(schema.items, [...at, 0], out);
  for (const [name, property] of Object.entries(schema.properties ?? {})) fieldsOf(property, [...at, name], out);
  return out;
}

/** A body's JSON text with one field's value replaced by raw JSON text. */
function withRaw(body: Record<string, unknown>, path: Path, raw: string): string {
  const marker = '\u2063marker\u2063';
  return JSON.stringify(setAt(clone(body), path, marker)).replace(JSON.stringify(marker), raw);
}

/** Raw bodies no route should trip over: prototype pollution, nesting 100 deep, huge numbers, operators. */
function rawBodies(valid: Body | undefined): [label: string, text: string][] {
  const base = valid ?? {};
  const inner = JSON.stringify(base).slice(1);
  const extra = (text: string) => `{${text}${inner === '}' ? '}' : `,${inner}`}`;
  const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
  // bad-input.test.ts sends __proto__ and constructor alone as the whole body; here they come beside valid fields.
  const bodies: [string, string][] = [
    ['pollution beside valid fields', extra(POLLUTION)],
    ['objects 100 deep', deepObject],
    ['arrays 100 deep beside valid fields', extra(`"deep":${'['.repeat(DEPTH)}1${']'.repeat(DEPTH)}`)],
    ['1e308', '1e308'],
    ['operator object', extra('"$where":"sleep(1000)","$ne":null')],
  ];
  const nested = Object.entries(base).find(([, v]) => v !== null && typeof v === 'object' && !Array.isArray(v));
  if (nested) bodies.push([`pollution inside ${nested[0]}`, withRaw(base, [nested[0]], `{${POLLUTION},${JSON.stringify(nested[1]).slice(1)}`)]);
  return bodies;
}

describe.each(DIALECTS)('hostile input on %s', (dialect) => {
  let t: TestApp;
  let operations: Operation[];
  let gen: Awaited<ReturnType<TestApp['department']>>;
  let lab: Awaited<ReturnType<TestApp['department']>>;
  let spare: Awaited<ReturnType<TestApp['department']>>;
  let phoneDept: { id: string; joinCode: string };
  let victimId: string;
  let deviceId: string;
  const self = { email: 'self@test.local', password: TEST_PASSWORD, headers: undefined as Record<string, string> | undefined };
  const sent = new Map<string, number>();
  const wrong: string[] = [];
  let serial = 0;
  const unique = () => (serial += 1);
  /** A department code nobody has: the prefix and three letters counting up. */
  const codeOf = (prefix: string, n = unique()) => prefix + [0, 1, 2].map((place) => String.fromCharCode(65 + (Math.floor(n / 26 ** place) % 26))).join('');

  /** The clinic's state (test/clinic-state.ts); cached while nothing was accepted or made since it was taken. */
  let known: ClinicState | undefined;
  const snapshot = () => clinicState(t.app.database.db);

  async function headersOf(caller: Caller): Promise<Record<string, string>> {
    if (caller === 'public') return {};
    if (caller !== 'self') return t.as(caller);
    if (!self.headers) {
      known = undefined;
      self.headers = { authorization: `Bearer ${(await t.signIn.signIn(self.email, self.password)).accessToken}` };
    }
    return self.headers;
  }

  /** A request the fixture needs; it must succeed. It writes, so the cached snapshot is stale. */
  async function api<T>(caller: Caller, method: 'GET' | 'POST', url: string, payload?: object): Promise<T> {
    known = undefined;
    const res = await t.inject({ method, url, headers: await headersOf(caller), ...(payload && { payload }) });
    if (res.statusCode >= 300) throw new Error(`fixture ${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json<T>();
  }

  const issue = async (departmentId = gen.id) => (await api<{ id: string }>('admin', 'POST', '/api/v1/tokens', { departmentId, patient: { name: 'Asha Rao', phone: nextPhone() } })).id;
  async function calledToken() {
    const id = await issue();
    await api('admin', 'POST', `/api/v1/tokens/${id}/call`, { counterId: gen.counters[0]!.id });
    return id;
  }
  const tokenOf = (id: string) => api<Record<string, unknown> & { history: { reason?: string }[] }>('admin', 'GET', `/api/v1/tokens/${id}`);
  const listed = async (url: string, id: string) => (await api<{ id: string }[]>('admin', 'GET', url)).find((row) => row.id === id);
  /** Reads a password back the only way there is: signing in with it. */
  const signsIn = async (email: unknown, password: unknown) =>
    (await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })).statusCode === 200 ? password : '(sign-in failed)';

  const ENTRIES: Record<string, Entry> = {
    'POST /api/v1/tokens': {
      caller: 'receptionist',
      fields: 'all',
      body: () => ({ departmentId: gen.id, patient: { name: 'Ravi Kumar', phone: nextPhone() } }),
      readBack: async (res) => tokenOf(res.json<{ id: string }>().id),
    },
    'POST /api/v1/public/check-in': {
      caller: 'public',
      fields: 'all',
      body: () => ({ departmentId: phoneDept.id, name: 'Meera Das', phone: nextPhone(), joinCode: phoneDept.joinCode }),
      readBack: async (res) => {
        const { tokens } = await api<{ tokens: { patient: { name: string } }[] }>('admin', 'POST', '/api/v1/tokens/search', { query: res.json<{ number: string }>().number });
        return { name: tokens[0]?.patient.name };
      },
    },
    'POST /api/v1/tokens/search': { caller: 'doctor', body: () => ({ query: 'GEN' }) },
    'POST /api/v1/patients/search': { caller: 'receptionist', body: () => ({ phone: '+919812345678' }) },
    'POST /api/v1/admin/audit/search': { caller: 'admin', body: () => ({ phone: '+919812345678' }) },
    'POST /api/v1/tokens/{id}/call': { caller: 'doctor', fresh: true, params: async () => ({ id: await issue() }), body: () => ({ counterId: gen.counters[1]!.id }) },
    'POST /api/v1/tokens/{id}/recall': { caller: 'doctor', fresh: true, params: async () => ({ id: await calledToken() }) },
    'POST /api/v1/tokens/{id}/start': { caller: 'doctor', fresh: true, params: async () => ({ id: await calledToken() }) },
    'POST /api/v1/tokens/{id}/park': { caller: 'doctor', fresh: true, params: async () => ({ id: await calledToken() }) },
    'POST /api/v1/tokens/{id}/no-show': { caller: 'doctor', fresh: true, params: async () => ({ id: await calledToken() }) },
    'POST /api/v1/tokens/{id}/undo': { caller: 'doctor', fresh: true, params: async () => ({ id: await calledToken() }) },
    'POST /api/v1/tokens/{id}/reprint': { caller: 'receptionist', params: async () => ({ id: await issue() }) },
    'POST /api/v1/tokens/{id}/cancel': {
      caller: 'receptionist',
      fresh: true,
      params: async () => ({ id: await issue() }),
      body: () => ({ reason: 'left the clinic' }),
      readBack: async (_res, params) => (await tokenOf(params.id!)).history.at(-1),
    },
    'POST /api/v1/tokens/{id}/complete': { caller: 'doctor', fresh: true, params: async () => ({ id: await calledToken() }), body: () => ({ nextDepartmentId: lab.id }) },
    'POST /api/v1/tokens/{id}/transfer': { caller: 'doctor', fresh: true, params: async () => ({ id: await issue() }), body: () => ({ departmentId: lab.id }) },
    // The laboratory's counter: calling next there never takes the general department's fixtures.
    'POST /api/v1/counters/{id}/call-next': { caller: 'doctor', params: async () => ({ id: lab.counters[0]!.id }) },
    'POST /api/v1/counters/{id}/complete-and-call-next': { caller: 'doctor', params: async () => ({ id: lab.counters[0]!.id }), body: () => ({ nextDepartmentId: spare.id }) },
    'POST /api/v1/departments': {
      caller: 'admin',
      fields: 'all',
      setupName: true,
      body: () => ({ name: `Radiology ${unique()}`, code: codeOf('Z') }),
      readBack: async (res) => api('admin', 'GET', `/api/v1/departments/${res.json<{ id: string }>().id}`),
    },
    'PATCH /api/v1/departments/{id}': {
      caller: 'admin',
      setupName: true,
      params: async () => ({ id: spare.id }),
      body: () => ({ name: `Spare ${unique()}` }),
      readBack: async (_res, params) => api('admin', 'GET', `/api/v1/departments/${params.id}`),
    },
    'DELETE /api/v1/departments/{id}': { caller: 'admin', fresh: true, params: async () => ({ id: (await api<{ id: string }>('admin', 'POST', '/api/v1/departments', { name: `Closing ${unique()}`, code: codeOf('Y') })).id }) },
    'PUT /api/v1/departments/{id}/counter-order': { caller: 'admin', params: async () => ({ id: gen.id }), body: () => ({ counterIds: gen.counters.map((c) => c.id) }) },
    'PUT /api/v1/departments/{id}/board-settings': {
      caller: 'admin',
      params: async () => ({ id: gen.id }),
      body: () => ({ ticker: 'Welcome' }),
      readBack: async (_res, params) => api('admin', 'GET', `/api/v1/departments/${params.id}/board-settings`),
    },
    'POST /api/v1/counters': {
      caller: 'admin',
      setupName: true,
      body: () => ({ departmentId: spare.id, name: `Room ${unique()}` }),
      readBack: async (res) => listed('/api/v1/counters', res.json<{ id: string }>().id),
    },
    'PATCH /api/v1/counters/{id}': {
      caller: 'admin',
      setupName: true,
      params: async () => ({ id: spare.counters[0]!.id }),
      body: () => ({ name: `Desk ${unique()}` }),
      readBack: async (_res, params) => listed('/api/v1/counters', params.id!),
    },
    'DELETE /api/v1/counters/{id}': { caller: 'admin', fresh: true, params: async () => ({ id: (await api<{ id: string }>('admin', 'POST', '/api/v1/counters', { departmentId: spare.id, name: `Gone ${unique()}` })).id }) },
    'POST /api/v1/users': {
      caller: 'admin',
      fields: 'all',
      body: () => ({ email: `nurse.${unique()}@test.local`, name: 'New Nurse', role: 'receptionist', password: TEST_PASSWORD }),
      readBack: async (res, _params, body) => ({ ...(await listed('/api/v1/users', res.json<{ id: string }>().id)), password: await signsIn(body.email, body.password) }),
    },
    'PATCH /api/v1/users/{id}': {
      caller: 'admin',
      params: async () => ({ id: victimId }),
      body: () => ({ name: 'Victim Nurse' }),
      readBack: async (_res, params) => listed('/api/v1/users', params.id!),
    },
    'POST /api/v1/users/{id}/unlock': { caller: 'admin', params: async () => ({ id: victimId }) },
    'POST /api/v1/users/{id}/reset-password': { caller: 'admin', params: async () => ({ id: victimId }) },
    'DELETE /api/v1/users/{id}/sessions': { caller: 'admin', params: async () => ({ id: victimId }) },
    'POST /api/v1/devices': {
      caller: 'admin',
      setupName: true,
      body: () => ({ name: `Board ${unique()}`, role: 'display', departmentIds: [gen.id] }),
      readBack: async (res) => listed('/api/v1/devices', res.json<{ id: string }>().id),
    },
    'DELETE /api/v1/devices/{id}': { caller: 'admin', fresh: true, params: async () => ({ id: (await api<{ id: string }>('admin', 'POST', '/api/v1/devices', { name: `Gone ${unique()}`, role: 'kiosk', departmentIds: [gen.id] })).id }) },
    'POST /api/v1/devices/{id}/pairing-code': { caller: 'admin', params: async () => ({ id: deviceId }) },
    'POST /api/v1/public/devices/pair': { caller: 'public', body: () => ({ pairingCode: 'ABCD-2345' }) },
    'PUT /api/v1/settings/branding': {
      caller: 'admin',
      fields: 'all',
      setupName: true,
      body: () => ({ clinicName: 'City Hospital', logoDataUrl: null }),
      readBack: async () => api('admin', 'GET', '/api/v1/settings/branding'),
    },
    'PUT /api/v1/settings/access': { caller: 'admin', body: () => ({ receptionistsEverywhere: true }) },
    'POST /api/v1/live/ticket': { caller: 'doctor' },
    'POST /api/v1/public/status': { caller: 'public', body: () => ({ token: 'GEN-001', phoneLast4: '0000' }) },
    // Patient notifications (the outbox log here: no Twilio). A template's text and a patient's reply are free text.
    'PUT /api/v1/notifications/gateway': { caller: 'admin', body: () => ({ accountSid: `AC${'0a'.repeat(16)}`, authToken: 'x'.repeat(32), fromSms: '+15005550006', fromWhatsapp: null }) },
    'PATCH /api/v1/departments/{id}/notifications': { caller: 'admin', params: async () => ({ id: spare.id }), body: () => ({ maxMessagesPerToken: 5 }) },
    'PUT /api/v1/notifications/templates': {
      caller: 'admin',
      body: () => ({ departmentId: spare.id, language: 'en', trigger: 'called', body: 'Please go to the counter now' }),
      readBack: async () => ({ body: (await api<{ templates: { language: string; trigger: string; body: string }[] }>('admin', 'GET', `/api/v1/notifications/templates?departmentId=${spare.id}`)).templates.find((tpl) => tpl.language === 'en' && tpl.trigger === 'called')?.body }),
    },
    'DELETE /api/v1/notifications/templates/{trigger}/{language}': { caller: 'admin', params: async () => ({ trigger: 'called', language: 'hi' }) },
    'POST /api/v1/notifications/templates/preview': { caller: 'admin', body: () => ({ language: 'en', trigger: 'called', body: 'Please go to {counter}' }) },
    'POST /api/v1/notifications/test': { caller: 'admin', body: () => ({ channel: 'sms', to: nextPhone(), language: 'en', trigger: 'called' }) },
    'POST /api/v1/notifications/messages/{id}/retry': { caller: 'admin', params: async () => ({ id: 'no-such-message' }) },
    // Twilio's form posts, unsigned here: refused (403) before anything is read.
    'POST /api/v1/public/webhooks/twilio/inbound': { caller: 'public' },
    'POST /api/v1/public/webhooks/twilio/status': { caller: 'public' },
    'POST /api/v1/auth/login': { caller: 'public', body: () => ({ email: 'nobody.here@test.local', password: TEST_PASSWORD }) },
    'POST /api/v1/auth/refresh': { caller: 'public', body: () => ({ refreshToken: 'not-a-refresh-token' }) },
    'POST /api/v1/auth/logout': { caller: 'public', body: () => ({ refreshToken: 'not-a-refresh-token' }) },
    'POST /api/v1/auth/logout-all': { caller: 'self', endsSession: true },
    'DELETE /api/v1/auth/sessions/{id}': {
      caller: 'self',
      fresh: true,
      params: async () => {
        const other = { authorization: `Bearer ${(await t.signIn.signIn(self.email, self.password)).accessToken}` };
        const sessions = (await t.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: other })).json<{ id: string; current: boolean }[]>();
        return { id: sessions.find((s) => s.current)!.id };
      },
    },
    'POST /api/v1/auth/password': {
      caller: 'self',
      // A wrong current password is one more 401; the new one is what must be kept as typed.
      fields: ['newPassword'],
      body: () => ({ currentPassword: self.password, newPassword: `a fresh passphrase number ${unique()}` }),
      readBack: async (_res, _params, body) => {
        self.password = String(body.newPassword);
        self.headers = undefined;
        return { newPassword: await signsIn(self.email, body.newPassword) };
      },
    },
    'POST /api/v1/auth/2fa/setup': { caller: 'self' },
    'POST /api/v1/auth/2fa/enable': { caller: 'self', body: () => ({ otp: '123456' }) },
  };

  const made = new Map<string, Promise<Record<string, string>>>();
  const paramsOf = (op: Operation, entry: Entry) => {
    if (!entry.params) return Promise.resolve({});
    if (!made.has(op.key)) {
      known = undefined;
      made.set(op.key, entry.params());
    }
    return made.get(op.key)!;
  };
  const urlOf = (op: Operation, params: Record<string, string>) => op.path.replace(/\{(\w+)\}/g, (_m, name: string) => params[name] ?? `missing-${name}`);

  function answerProblems(res: LightMyRequestResponse): string | undefined {
    // Text given back is JSON a browser never sniffs as a page: React escapes it where it is shown.
    if (res.statusCode < 300 && res.headers['x-content-type-options'] !== 'nosniff') return 'a 2xx without nosniff';
    if (res.statusCode === 204) return res.body === '' ? undefined : `a 204 with a body ${res.body.slice(0, 80)}`;
    const type = String(res.headers['content-type']);
    if (res.statusCode < 300) return type.startsWith('application/json') ? undefined : `a ${res.statusCode} as ${type}`;
    if (res.statusCode >= 500 || res.statusCode < 400) return `${res.statusCode} ${res.body.slice(0, 200)}`;
    if (!type.startsWith('application/problem+json')) return `a ${res.statusCode} as ${type}: ${res.body.slice(0, 120)}`;
    const problem = res.json<Record<string, unknown>>();
    if (problem.status !== res.statusCode || typeof problem.code !== 'string' || typeof problem.detail !== 'string' || problem.requestId !== res.headers['x-request-id']) {
      return `an incomplete problem ${res.body.slice(0, 200)}`;
    }
    return undefined;
  }

  /** Sends one request as the route's caller; records what is wrong with the answer and, when refused, any change to the state tables. */
  async function send(op: Operation, what: string, request: { url?: string; payload?: string; unchanged?: boolean }): Promise<{ res: LightMyRequestResponse; params: Record<string, string> }> {
    const entry = ENTRIES[op.key]!;
    const params = await paramsOf(op, entry);
    const headers = await headersOf(entry.caller);
    const before = (known ??= await snapshot());
    const res = await t.inject({
      method: op.method,
      url: request.url ?? urlOf(op, params),
      headers: { ...headers, ...(request.payload !== undefined && { 'content-type': 'application/json' }) },
      ...(request.payload !== undefined && { payload: request.payload }),
    });
    sent.set(op.key, (sent.get(op.key) ?? 0) + 1);
    const problem = answerProblems(res);
    if (problem) wrong.push(`${op.key} ${what}: ${problem}`);
    if (res.statusCode >= 400 || request.unchanged) {
      known = await snapshot();
      const changed = stateChanges(before, known);
      if (changed) wrong.push(`${op.key} ${what}: refused with ${res.statusCode} but wrote ${changed}`);
    } else {
      known = undefined;
      if (entry.fresh) made.delete(op.key);
      if (entry.endsSession) self.headers = undefined;
    }
    return { res, params };
  }

  /**
   * After a 2xx, free text read back through the API is the text sent (trimmed; setup names also with
   * one space between words), and a password signs in as sent. Codes and ids may be normalised.
   */
  async function expectStored(op: Operation, what: string, { res, params }: { res: LightMyRequestResponse; params: Record<string, string> }, body: Record<string, unknown>, path: Path) {
    const entry = ENTRIES[op.key]!;
    const field = String(path.at(-1));
    const password = /password/i.test(field);
    if (!entry.readBack || res.statusCode >= 300 || !(password || FREE_TEXT_FIELDS.has(field))) return;
    const sentText = String(getAt(body, path));
    const expected = password ? sentText : entry.setupName ? sentText.trim().replace(/\s+/g, ' ') : sentText.trim();
    const stored = getAt(await entry.readBack(res, params, body), path);
    if (stored !== expected) wrong.push(`${op.key} ${what}: stored ${label(String(stored))}, sent ${label(sentText)}`);
  }

  beforeAll(async () => {
    t = await startTestApp(dialect);
    gen = await t.department({ code: 'GEN', name: 'General OPD', counters: 2 });
    lab = await t.department({ code: 'LAB', name: 'Laboratory', counters: 1 });
    spare = await t.department({ code: 'SPA', name: 'Spare Wing', counters: 1 });
    const phone = await t.department({ code: 'PHN', name: 'Phone Check-in', counters: 1, selfCheckIn: 'phone' });
    phoneDept = { id: phone.id, joinCode: (await api<{ joinCode: string }>('admin', 'GET', `/api/v1/departments/${phone.id}/join-code`)).joinCode };
    await t.as('receptionist');
    await t.as('doctor');
    await t.app.services.users.createUser({ email: self.email, name: 'Self Service', role: 'receptionist', password: TEST_PASSWORD });
    victimId = (await t.app.services.users.createUser({ email: 'victim@test.local', name: 'Victim Nurse', role: 'receptionist', password: TEST_PASSWORD })).id;
    deviceId = (await api<{ id: string }>('admin', 'POST', '/api/v1/devices', { name: 'Lobby board', role: 'display', departmentIds: [gen.id] })).id;

    const doc = (await t.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
      paths: Record<string, Record<string, { 'x-roles'?: string[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
    }>();
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => WRITES.has(method.toUpperCase()) && path.startsWith('/api/v1/'))
        .map(([method, op]) => ({
          key: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase() as Operation['method'],
          path,
          roles: op['x-roles'] ?? [],
          takesBody: op.requestBody !== undefined,
          ...fieldsOf(op.requestBody?.content?.['application/json']?.schema),
        })),
    );
  });
  afterAll(() => t.close());
  beforeEach(() => {
    wrong.length = 0;
  });

  const covered = () => operations.filter((op) => ENTRIES[op.key]);

  it('has an entry, called by a role its x-roles allow, for every write operation the API publishes', () => {
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter((op) => !ENTRIES[op.key]).map((op) => op.key)).toEqual([]);
    expect(Object.keys(ENTRIES).filter((key) => !operations.some((op) => op.key === key))).toEqual([]);
    const roleOf = (caller: Caller) => (caller === 'self' ? 'receptionist' : caller);
    const disallowed = operations.filter((op) => {
      const caller = ENTRIES[op.key]!.caller;
      return caller === 'public' ? op.roles.length > 0 : !op.roles.includes(roleOf(caller));
    });
    expect(disallowed.map((op) => `${op.key} ${JSON.stringify(op.roles)}`)).toEqual([]);
  });

  /** Sends each string in each route's chosen string fields; returns how many requests it sent. */
  async function sendStrings(strings: [label: string, value: string | { json: string }][]): Promise<number> {
    let requests = 0;
    for (const op of covered()) {
      const entry = ENTRIES[op.key]!;
      if (!entry.body?.()) continue;
      const freeText = op.strings.filter((p) => FREE_TEXT_FIELDS.has(String(p.at(-1))));
      const chosen = entry.fields === 'all' ? op.strings : entry.fields ? op.strings.filter((p) => entry.fields!.includes(dotted(p))) : freeText.length > 0 ? freeText : op.strings.slice(0, 1);
      for (const path of chosen) {
        for (const [name, value] of strings) {
          const what = `body.${dotted(path)}=${name}`;
          if (typeof value === 'string') {
            const body = setAt(entry.body(), path, value);
            await expectStored(op, what, await send(op, what, { payload: JSON.stringify(body) }), body, path);
          } else {
            const { res } = await send(op, what, { payload: withRaw(entry.body(), path, value.json) });
            if (res.statusCode !== 400) wrong.push(`${op.key} ${what}: ${res.statusCode} instead of 400`);
          }
          requests += 1;
        }
      }
    }
    return requests;
  }

  it('answers every hostile string in string fields with a 4xx that writes nothing, or a 2xx that stores it as sent', async () => {
    const requests = await sendStrings([...HOSTILE_STRINGS.filter(([name]) => name !== 'lone surrogate'), ['operator object', { json: '{"$gt":""}' }]]);
    expect(wrong).toEqual([]);
    expect(requests).toBeGreaterThan(500);
  });

  // JSON may escape half a surrogate pair ("\ud800"); UTF-8 cannot hold it, so storing it turns it into U+FFFD.
  it('refuses a lone surrogate escaped in JSON, or stores it as sent, never as U+FFFD', async () => {
    const requests = await sendStrings(HOSTILE_STRINGS.filter(([name]) => name === 'lone surrogate'));
    expect(wrong).toEqual([]);
    expect(requests).toBeGreaterThan(20);
  });

  it('stores O’Brien, <3 and names with quotes, angle brackets and other scripts exactly as typed in every free-text field', async () => {
    let checked = 0;
    for (const op of covered()) {
      const entry = ENTRIES[op.key]!;
      if (!entry.body?.()) continue;
      for (const path of op.strings.filter((p) => FREE_TEXT_FIELDS.has(String(p.at(-1))))) {
        for (const text of FRIENDLY) {
          const body = setAt(entry.body(), path, entry.setupName ? `${text} ${unique()}` : text);
          const sentOne = await send(op, `body.${dotted(path)}=${label(text)}`, { payload: JSON.stringify(body) });
          const { res } = sentOne;
          if (res.statusCode >= 300) wrong.push(`${op.key} refused ${label(text)} in ${dotted(path)}: ${res.statusCode} ${res.body.slice(0, 200)}`);
          await expectStored(op, `body.${dotted(path)}=${label(text)}`, sentOne, body, path);
          checked += 1;
        }
      }
    }
    expect(wrong).toEqual([]);
    // patient names, check-in, users (2), departments (2 x 3), counters (2), devices, branding, ticker, cancel reason, search
    expect(checked).toBeGreaterThanOrEqual(17 * FRIENDLY.length);
  });

  it('refuses huge numbers, NaN and fractions in every number field with a 400 naming it, writing nothing', async () => {
    let requests = 0;
    for (const op of covered()) {
      const entry = ENTRIES[op.key]!;
      if (!entry.body?.()) continue;
      for (const path of op.numbers) {
        for (const literal of HOSTILE_NUMBERS) {
          const { res } = await send(op, `body.${dotted(path)}=${literal}`, { payload: withRaw(entry.body(), path, literal) });
          const paths = res.statusCode === 400 ? (res.json<{ errors?: { path: string }[] }>().errors ?? []).map((e) => e.path) : [];
          if (!paths.includes(`body.${dotted(path)}`)) wrong.push(`${op.key} body.${dotted(path)}=${literal}: ${res.statusCode} ${res.body.slice(0, 160)}`);
          requests += 1;
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(requests).toBeGreaterThanOrEqual(7 * HOSTILE_NUMBERS.length);
  });

  // An id that could be one (`__proto__`, a huge number) may get a 2xx that ends nothing, as an unknown id would.
  it('answers hostile ids in the path with a 4xx, or a 2xx for an id nobody has, writing nothing either way', async () => {
    let requests = 0;
    for (const op of covered().filter((o) => o.path.includes('{'))) {
      const entry = ENTRIES[op.key]!;
      const params = await paramsOf(op, entry);
      for (const name of Object.keys(params)) {
        for (const [what, segment] of HOSTILE_IDS) {
          const payload = entry.body?.();
          const { res } = await send(op, `params.${name}=${what}`, { url: urlOf(op, { ...params, [name]: segment }), unchanged: true, ...(payload !== undefined && { payload: JSON.stringify(payload) }) });
          if (res.statusCode < 400 && !/^[A-Za-z0-9_-]+$/.test(segment)) wrong.push(`${op.key} params.${name}=${what}: accepted with ${res.statusCode}`);
          requests += 1;
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(requests).toBeGreaterThanOrEqual(25 * HOSTILE_IDS.length);
  });

  it('answers polluting, 100-deep, huge-number and operator bodies and a polluting query string without a 5xx, and pollutes nothing', async () => {
    const ownBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    for (const op of covered()) {
      const valid = ENTRIES[op.key]!.body?.();
      for (const [what, text] of rawBodies(valid)) {
        const { res } = await send(op, `raw body ${what}`, { payload: text });
        if ((/proto|pollution|deep/.test(what) || (op.takesBody && what === 'operator object')) && res.statusCode !== 400) wrong.push(`${op.key} raw body ${what}: ${res.statusCode} instead of 400`);
      }
      const entry = ENTRIES[op.key]!;
      await send(op, 'polluting query string', { url: `${urlOf(op, await paramsOf(op, entry))}${QUERY_POLLUTION}`, ...(valid !== undefined && { payload: JSON.stringify(valid) }) });
    }
    expect(wrong).toEqual([]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(ownBefore);
  });

  it('refuses a 10 MB body with 413 PAYLOAD_TOO_LARGE, on an ordinary route and on the one with a raised limit, writing nothing', async () => {
    const huge = 'x'.repeat(TEN_MEGABYTES);
    const issue = operations.find((op) => op.key === 'POST /api/v1/tokens')!;
    const branding = operations.find((op) => op.key === 'PUT /api/v1/settings/branding')!;
    for (const [op, body] of [
      [issue, { departmentId: gen.id, patient: { name: huge, phone: nextPhone() } }],
      [branding, { clinicName: 'City Hospital', logoDataUrl: `data:image/png;base64,${huge}` }],
    ] as const) {
      const { res } = await send(op, '10 MB body', { payload: JSON.stringify(body) });
      expect(res.statusCode, res.body.slice(0, 200)).toBe(413);
      expect(res.json<{ code: string }>().code).toBe('PAYLOAD_TOO_LARGE');
    }
    expect(wrong).toEqual([]);
  });

  it('sent the corpus to every write operation and is still up, with Object.prototype clean and no alarm raised over free text', async () => {
    expect(operations.filter((op) => (sent.get(op.key) ?? 0) < rawBodies(undefined).length).map((op) => `${op.key}: ${sent.get(op.key) ?? 0}`)).toEqual([]);
    expect((await t.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'x')).toBe(false);
    // The detector (log mode, the default) saw the probes, and never judged a name such as O'Brien.
    const alarms = t.security.filter((e) => e.type === 'input.suspicious').map((e) => e.reason ?? '');
    expect(alarms.some((reason) => reason.startsWith('sql-injection in body.'))).toBe(true);
    expect(alarms.filter((reason) => FREE_TEXT_FIELDS.has(/ in (\S+) of /.exec(reason)?.[1]?.split('.').at(-1) ?? ''))).toEqual([]);
  });
});
