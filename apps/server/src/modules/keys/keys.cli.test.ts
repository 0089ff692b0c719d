import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import { DIALECTS } from '../../test/databases.js';
import { runCli, startChildServer, startRefused } from '../../test/child-server.js';
import { nextPhone, startTestApp, testEnv, type TestApp } from '../../test/test-app.js';

describe.each(DIALECTS)('the master key and the command line on %s', (dialect) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  /** A database with encrypted patients' data, its app closed (the database stays). */
  async function databaseWithPatients(count: number): Promise<{ app: TestApp; tokens: { id: string; name: string }[] }> {
    const app = await startTestApp(dialect);
    t = app;
    const dept = await app.department({ code: 'CLI' });
    const tokens: { id: string; name: string }[] = [];
    for (let i = 0; i < count; i++) {
      const name = `Patient ${i}`;
      const res = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: await app.as('receptionist'), payload: { departmentId: dept.id, patient: { name, phone: nextPhone() } } });
      expect(res.statusCode, res.body).toBe(201);
      tokens.push({ id: res.json<{ id: string }>().id, name });
    }
    await app.app.close();
    return { app, tokens };
  }

  it('refuses to start without the master key, or with another one, when the database holds encrypted data', async () => {
    const { app } = await databaseWithPatients(1);
    const { MASTER_KEY: key, ...withoutKey } = testEnv(app.db, { LOG_LEVEL: 'error' });
    const missing = await startRefused(withoutKey);
    expect(missing.code).not.toBe(0);
    expect(missing.code).not.toBeNull();
    expect(missing.lines).toEqual(['Smart Token cannot start: MASTER_KEY: is missing, and the database holds encrypted patient data: set the key it was encrypted with']);
    expect(missing.stdout).not.toContain('is running');

    const wrong = await startRefused({ ...withoutKey, MASTER_KEY: 'another-master-key-that-is-long-enough-1234' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.lines).toHaveLength(1);
    expect(wrong.lines[0]).toMatch(/^Smart Token cannot start: MASTER_KEY: does not open this database’s keys/);

    // With its own key the same database starts.
    const server = await startChildServer({ ...withoutKey, MASTER_KEY: key! });
    expect(await server.stop()).toBe(0);
  });

  it('`keys rotate` re-encrypts every value under a new key, printing its progress, and the app reads them after', async () => {
    const { app, tokens } = await databaseWithPatients(12);
    const env = testEnv(app.db);
    const result = await runCli(['keys', 'rotate'], env);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.some((line) => /^re-encrypted \d+ of \d+$/.test(line))).toBe(true);
    // 12 tokens and their 12 issue events.
    expect(lines).toContain('re-encrypted 24 of 24');
    expect(result.stdout).toMatch(/Done: every value is under data key d[\w-]+; retired d1\. The blind-index key is not rotated/);

    const reopened = await buildApp(loadConfig(env), { logger: false });
    try {
      const stored = await reopened.database.db.selectFrom('tokens').select(['patient_name as stored']).execute();
      expect(stored.filter((r) => r.stored.startsWith('enc1.d1.'))).toEqual([]);
      for (const token of tokens) expect((await reopened.services.queue.getToken(token.id)).patient.name).toBe(token.name);
    } finally {
      await reopened.close();
    }
    const unknown = await runCli(['keys', 'spin'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('keys spin: unknown; use "keys rotate"');
  });
});
