import { describe, expect, it } from 'vitest';
import { TOTP_PERIOD_SECONDS, totpStep } from '../modules/auth/two-factor.js';
import { StaffSignIn, type ApiCall } from './admin-sign-in.js';

const PERIOD_MS = TOTP_PERIOD_SECONDS * 1000;

/** A server that enrols anyone: the helper's side of 2FA is what is under test. */
const enrollingServer: ApiCall = async (_method, path) => {
  if (path === '/api/v1/auth/2fa/setup') return { status: 200, body: { secret: 'JBSWY3DPEHPK3PXP', otpauthUrl: 'otpauth://totp/x' } };
  return { status: 200, body: { recoveryCodes: Array.from({ length: 10 }, (_, i) => `recovery-${i}`) } };
};

describe('the tests’ sign-in helper', () => {
  it('waits for the next time step instead of failing when this step’s codes and every recovery code are used', async () => {
    // A clock 1.5 s before a step boundary: the wait is short.
    const offset = (Math.floor(Date.now() / PERIOD_MS) + 1) * PERIOD_MS - 1_500 - Date.now();
    const now = () => Date.now() + offset;
    const helper = new StaffSignIn(enrollingServer, now);
    await helper.enrol('admin@helper.test', 'access-token');
    const used = Array.from({ length: 11 }, () => helper.nextOtp('admin@helper.test'));
    expect(used.filter((code) => code.startsWith('recovery-'))).toHaveLength(10);
    expect(() => helper.nextOtp('admin@helper.test')).toThrow(/move the clock on/);
    const stepBefore = totpStep(now());
    const code = await helper.nextOtpWaiting('admin@helper.test');
    expect(code).toMatch(/^\d{6}$/);
    expect(totpStep(now())).toBe(stepBefore + 1);
  });
});
