import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';

/**
 * The suspicious-input detector: a second look, after the strict schemas, at what a request sends.
 * `log` (the default) records what it sees as a security event, `enforce` also refuses the request
 * with 400, `off` does nothing. Fields that are declared free text (a patient's name such as
 * O'Brien, a reason, a search) are never judged: they are stored as typed and escaped on output.
 * Secret fields (passwords, codes) are never read. Queries are parameterised everywhere, so this is
 * an alarm for someone probing, not the defence itself.
 */
export type DetectorMode = 'off' | 'log' | 'enforce';

export interface Finding {
  rule: DetectorRule;
  /** Where, as `body.patient.phone` — never the value. */
  path: string;
}

export type DetectorRule = 'sql-injection' | 'xss' | 'path-traversal' | 'nosql-operator' | 'crlf';

const RULES: [DetectorRule, RegExp][] = [
  ['sql-injection', /(?:'|")\s*(?:or|and)\s+(?:'|"|\d|true\b|false\b)|\bunion\b\s+(?:all\s+)?select\b|;\s*(?:drop|delete|insert|update|alter|create|truncate|exec)\b|\b(?:sleep|benchmark|pg_sleep|waitfor\s+delay)\s*\(|(?:'|")\s*(?:--|#)|\/\*.*\*\//i],
  ['xss', /<\s*\/?\s*(?:script|iframe|object|embed|svg|img|body|style|link|meta|base|form|input)\b|\bon[a-z]{3,}\s*=|(?:java|vb)script\s*:|data\s*:\s*text\/html/i],
  ['path-traversal', /(?:^|[/\\])\.\.(?:[/\\]|$)|%2e%2e(?:%2f|%5c|[/\\])|\.\.%2f|\.\.%5c|%c0%ae/i],
  ['nosql-operator', /^\$(?:where|ne|eq|gt|gte|lt|lte|in|nin|regex|exists|expr|or|and|not|nor)$/i],
  ['crlf', /[\r\n]|%0d|%0a/i],
];

/** The last segment of a path that names people's free text, wherever it appears. */
export const FREE_TEXT_FIELDS: ReadonlySet<string> = new Set(['name', 'reason', 'query', 'ticker', 'clinicName', 'hi', 'ar', 'notes', 'message', 'body', 'Body']);
/** Never read, never judged, never named in a log: secrets, and a logo's data URL. */
const UNREAD_FIELDS: ReadonlySet<string> = new Set(['password', 'currentPassword', 'newPassword', 'otp', 'refreshToken', 'pairingCode', 'joinCode', 'statusKey', 'ticket', 'logoDataUrl']);
const MAX_FINDINGS = 5;

/** What in this value looks like an attack: a walk with its own stack (a deep body cannot overflow it). */
export function findSuspicious(value: unknown, base: string): Finding[] {
  const findings: Finding[] = [];
  const stack: [unknown, string, string][] = [[value, base, '']];
  while (stack.length > 0 && findings.length < MAX_FINDINGS) {
    const [current, path, field] = stack.pop()!;
    if (UNREAD_FIELDS.has(field)) continue;
    if (typeof current === 'string') {
      if (FREE_TEXT_FIELDS.has(field)) continue;
      for (const [rule, pattern] of RULES) {
        if (pattern.test(current)) {
          findings.push({ rule, path });
          break;
        }
      }
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => stack.push([item, `${path}.${index}`, field]));
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, item] of Object.entries(current)) {
        if (key.startsWith('$')) findings.push({ rule: 'nosql-operator', path: `${path}.${key.slice(0, 40)}` });
        else stack.push([item, `${path}.${key}`, key]);
      }
    }
  }
  return findings.slice(0, MAX_FINDINGS);
}

export class SuspiciousInputError extends AppError {
  constructor(finding: Finding) {
    const field = finding.path.replace(/^(body|querystring|params)\.?/, '');
    super('SUSPICIOUS_INPUT', 400, `The field “${field}” holds text that looks like an attack (${finding.rule}); it was refused. Remove the special characters and send it again.`, [
      { path: finding.path, message: `refused: looks like ${finding.rule}` },
    ]);
  }
}

export const inputDetectorPlugin = fp(
  async (app: FastifyInstance, opts: { mode: DetectorMode; onFinding: (finding: Finding, request: FastifyRequest) => void }) => {
    if (opts.mode === 'off') return;
    // preValidation: the body is parsed, not yet validated, so a probe that the schema would refuse is seen too.
    app.addHook('preValidation', async (request) => {
      const findings = [...findSuspicious(request.body, 'body'), ...findSuspicious(request.query, 'querystring'), ...findSuspicious(request.params, 'params')];
      if (findings.length === 0) return;
      for (const finding of findings) opts.onFinding(finding, request);
      if (opts.mode === 'enforce') throw new SuspiciousInputError(findings[0]!);
    });
  },
  { name: 'input-detector' },
);
