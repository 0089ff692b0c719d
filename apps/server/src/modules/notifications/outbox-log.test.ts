import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutboxLog } from './outbox-log.js';

describe('the outbox log', () => {
  const dirs: string[] = [];
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-log-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('writes every line of a burst once, in the order given, into a folder it makes, readable by the server alone', async () => {
    const file = join(folder(), 'new', 'outbox.jsonl');
    const log = createOutboxLog(file);
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(JSON.stringify({ i }))));
    await log.append(JSON.stringify({ i: 50 }));
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { i: number }).i)).toEqual(Array.from({ length: 51 }, (_, i) => i));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('fails the lines a failed write carried, and writes the next ones once the folder can be made again', async () => {
    const dir = folder();
    const blocker = join(dir, 'taken');
    // A file where the log's folder should be: the folder cannot be made.
    writeFileSync(blocker, '');
    const log = createOutboxLog(join(blocker, 'outbox.jsonl'));
    const results = await Promise.allSettled([log.append('a'), log.append('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    rmSync(blocker);
    await log.append('c');
    expect(readFileSync(join(blocker, 'outbox.jsonl'), 'utf8')).toBe('c\n');
  });
});
