import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemOf, startTestApp, type TestApp } from '../test/test-app.js';

/**
 * A validation problem's `detail` is a sentence a receptionist can read (issue 13, defect 4); the
 * machine detail stays in `errors` for API clients. One dialect is enough: no database is involved.
 */
describe('validation problems, in words', () => {
  let t: TestApp;
  let departmentId: string;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    departmentId = (await t.department({ code: 'ERR' })).id;
  });
  afterAll(() => t.close());

  async function issue(payload: unknown) {
    const res = await t.inject({ method: 'POST', url: '/api/v1/tokens', headers: await t.as('receptionist'), payload: payload as object });
    expect(res.statusCode).toBe(400);
    return problemOf(res);
  }

  it('says which field is empty, missing, unknown, too long or of the wrong kind, and leaves the details in errors', async () => {
    const empty = await issue({ departmentId, patient: { name: '', phone: '+919876543210' } });
    expect(empty.detail).toBe('The field “patient.name” is required; it is empty.');
    expect(empty.errors).toEqual([{ path: 'body.patient.name', message: expect.stringMatching(/>=1/) }]);

    expect((await issue({ patient: { name: 'Asha', phone: '+919876543210' } })).detail).toBe('The field “departmentId” is required.');
    expect((await issue({ departmentId, patient: { name: 'Asha', phone: '+919876543210' }, foo: 1 })).detail).toBe('The field “foo” is not one this request takes; remove it.');
    expect((await issue({ departmentId, patient: { name: 'A'.repeat(5000), phone: '+919876543210' } })).detail).toMatch(/^The field “patient\.name” must have at most \d+ characters\.$/);
    expect((await issue({ departmentId, patient: { name: 42, phone: '+919876543210' } })).detail).toBe('The field “patient.name” must be a string.');
    expect((await issue({ departmentId, patient: { name: 'Asha', phone: '+919876543210' }, priority: 'urgent' })).detail).toBe(
      'The field “priority” must be one of: normal, priority, emergency.',
    );
    const two = await issue({ patient: { name: '', phone: '+919876543210' } });
    expect(two.detail).toMatch(/\(1 more problem in errors\)$/);
    expect(two.detail).not.toMatch(/Too small|expected string|>=/);
  });
});
