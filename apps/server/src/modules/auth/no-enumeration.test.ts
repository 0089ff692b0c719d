import * as argon2 from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { TEST_PASSWORD, problemOf, startTestApp, type TestApp } from '../../test/test-app.js';

// Every argon2 verification the server makes is counted (and still made): the cost of a sign-in is
// its one password hash (~30 ms; the rest is well under a millisecond), so the same count of hashes
// with the same parameters is the same time, proved without timing anything.
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof import('@node-rs/argon2')>();
  return { ...real, verify: vi.fn(real.verify) };
});
const verify = vi.mocked(argon2.verify);

/**
 * Issue 14, item 4 and its test: an unknown user, a wrong password, a locked account and a disabled
 * account get the same status and body and cost the same work, so neither the answer nor its time
 * tells which accounts exist or what state they are in.
 */
describe.each(DIALECTS)('no account enumeration on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    const users = t.app.services.users;
    for (const email of ['wrong@enum.test', 'locked@enum.test', 'disabled@enum.test']) await users.createUser({ email, name: 'Enum Staff', role: 'receptionist', password: TEST_PASSWORD });
    const disabled = (await users.listUsers()).find((u) => u.email === 'disabled@enum.test')!;
    await users.updateUser(disabled.id, { disabled: true }, { userId: 'setup-admin', context: { ip: '127.0.0.1', requestId: 'setup', userAgent: undefined } });
  });
  afterAll(() => t.close());

  /** One sign-in: its answer without the request id, and the argon2 verifications it made (with the hash's parameters). */
  async function attempt(email: string, password: string, address: string) {
    verify.mockClear();
    const res = await t.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: address, payload: { email, password } });
    const { requestId: _id, ...body } = problemOf(res) as unknown as Record<string, unknown>;
    const hashes = verify.mock.calls.map(([hash]) => String(hash).split('$').slice(1, 4).join('$'));
    return { status: res.statusCode, body, hashes };
  }

  it('answers the four failures alike, each after exactly one argon2id verification with the same parameters', async () => {
    // Locked: five wrong passwords from one address lock the account there.
    for (let i = 0; i < 5; i++) await attempt('locked@enum.test', 'not the password at all', '10.9.9.9');
    const kinds = {
      unknown: await attempt('nobody@enum.test', 'not the password at all', '10.9.9.1'),
      wrongPassword: await attempt('wrong@enum.test', 'not the password at all', '10.9.9.2'),
      locked: await attempt('locked@enum.test', TEST_PASSWORD, '10.9.9.9'),
      disabled: await attempt('disabled@enum.test', TEST_PASSWORD, '10.9.9.3'),
    };
    for (const [kind, answer] of Object.entries(kinds)) {
      expect(answer, kind).toEqual(kinds.unknown);
      expect(answer.hashes, kind).toEqual(['argon2id$v=19$m=19456,t=2,p=1']);
    }
    expect(kinds.unknown.status).toBe(401);
    expect(kinds.unknown.body.code).toBe('INVALID_CREDENTIALS');
    // The right password of an account that is fine signs in, after the same one verification.
    verify.mockClear();
    await t.app.services.users.createUser({ email: 'fine@enum.test', name: 'Fine Staff', role: 'receptionist', password: TEST_PASSWORD });
    const ok = await t.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.9.9.4', payload: { email: 'fine@enum.test', password: TEST_PASSWORD } });
    expect(ok.statusCode).toBe(200);
    expect(verify).toHaveBeenCalledTimes(1);
  });
});
