import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has (or that the line shows in its own way): not repeated as `key=value`. */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'req', 'res', 'responseTime', 'reqId', 'err']);
const MAX_EXTRA_CHARS = 300;

interface Entry {
  level?: number;
  time?: number;
  msg?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  err?: { type?: string; message?: string; stack?: string };
  [key: string]: unknown;
}

function clock(time: number | undefined): string {
  const d = new Date(time ?? Date.now());
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function extras(entry: Entry): string {
  const rest = Object.entries(entry).filter(([key]) => !SHOWN.has(key));
  if (rest.length === 0) return '';
  const text = rest.map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' ');
  return ` ${text.length > MAX_EXTRA_CHARS ? `${text.slice(0, MAX_EXTRA_CHARS)}…` : text}`;
}

/**
 * One pino JSON line as a person reads it: `14:02:31 INFO  GET /api/v1/departments 200 3 ms`.
 * Redaction has already happened (pino redacts before it writes); a line that is not JSON passes through.
 */
export function prettyLine(line: string): string {
  let entry: Entry;
  try {
    entry = JSON.parse(line) as Entry;
  } catch {
    return line;
  }
  const head = `${clock(entry.time)} ${LEVELS[entry.level ?? 30] ?? 'INFO '}`;
  const request = entry.req?.method
    ? ` ${entry.req.method} ${entry.req.url ?? ''}${entry.res?.statusCode ? ` ${entry.res.statusCode}` : ''}${entry.responseTime !== undefined ? ` ${Math.round(entry.responseTime)} ms` : ''}`
    : '';
  const message = entry.msg && !(request && /^request (completed|errored)$/.test(entry.msg)) ? ` ${entry.msg}` : '';
  const error = entry.err ? `\n    ${entry.err.stack ?? `${entry.err.type ?? 'Error'}: ${entry.err.message ?? ''}`}` : '';
  return `${head}${request}${message}${extras(entry)}${error}`;
}

/** A destination for pino that prints each entry as one readable line (development at a terminal). */
export function prettyStream(out: NodeJS.WritableStream = process.stdout): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      const text = lines.filter((l) => l.trim() !== '').map(prettyLine).join('\n');
      if (text) out.write(`${text}\n`);
      done();
    },
    final(done) {
      if (pending.trim()) out.write(`${prettyLine(pending)}\n`);
      done();
    },
  });
}
