import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { problemOf, startTestApp, type TestApp } from '../../test/test-app.js';
import { isLoopbackUrl } from './settings.service.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PNG_URL = `data:image/png;base64,${PNG}`;

describe.each(DIALECTS)('branding on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t.close());

  const put = async (payload: unknown) => t.inject({ method: 'PUT', url: '/api/v1/settings/branding', headers: await t.as('admin'), payload: payload as object });

  it('names the clinic "Smart Token Clinic" with no logo before the admin sets one, with the status address', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/public/branding' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ clinicName: 'Smart Token Clinic', logoUrl: null, statusUrl: 'http://clinic.test/status' });
    expect((await t.inject({ method: 'GET', url: '/api/v1/public/branding/logo' })).statusCode).toBe(404);
  });

  it('keeps the name and logo the admin sets and serves the logo as a picture every screen can cache', async () => {
    const res = await put({ clinicName: '  City   Clinic ', logoDataUrl: PNG_URL });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ clinicName: 'City Clinic', logoDataUrl: PNG_URL });
    expect((await t.inject({ method: 'GET', url: '/api/v1/settings/branding', headers: await t.as('admin') })).json()).toMatchObject({ clinicName: 'City Clinic', logoDataUrl: PNG_URL });

    const branding = (await t.inject({ method: 'GET', url: '/api/v1/public/branding' })).json<{ clinicName: string; logoUrl: string }>();
    expect(branding.clinicName).toBe('City Clinic');
    expect(branding.logoUrl).toMatch(/^\/api\/v1\/public\/branding\/logo\?v=[0-9a-f]{16}$/);
    const logo = await t.inject({ method: 'GET', url: branding.logoUrl });
    expect(logo.statusCode).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect(logo.headers['cache-control']).toContain('immutable');
    expect(logo.rawPayload.equals(Buffer.from(PNG, 'base64'))).toBe(true);
    const again = await t.inject({ method: 'GET', url: '/api/v1/public/branding/logo', headers: { 'if-none-match': String(logo.headers.etag) } });
    expect(again.statusCode).toBe(304);

    expect((await put({ clinicName: 'City Clinic', logoDataUrl: null })).json()).toMatchObject({ logoDataUrl: null });
    expect((await t.inject({ method: 'GET', url: '/api/v1/public/branding' })).json()).toMatchObject({ logoUrl: null });
    expect((await t.inject({ method: 'GET', url: '/api/v1/public/branding/logo' })).statusCode).toBe(404);
  });

  it('refuses an SVG, a picture that is not what it claims, an oversized one and an empty name, changing nothing', async () => {
    await put({ clinicName: 'Kept Clinic', logoDataUrl: PNG_URL });
    const svg = `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString('base64')}`;
    const cases: [unknown, RegExp][] = [
      [{ clinicName: 'X', logoDataUrl: svg }, /SVG/],
      [{ clinicName: 'X', logoDataUrl: `data:image/png;base64,${Buffer.from('GIF89a not a png').toString('base64')}` }, /not a PNG/],
      [{ clinicName: 'X', logoDataUrl: 'https://example.com/logo.png' }, /PNG, JPEG or WebP/],
      [{ clinicName: 'X', logoDataUrl: `data:image/png;base64,${Buffer.alloc(97 * 1024, 1).toString('base64')}` }, /96 KB/],
      [{ clinicName: '   ', logoDataUrl: null }, /clinicName/],
      [{ clinicName: 'X', logoDataUrl: null, colour: 'red' }, /colour/],
    ];
    for (const [payload, detail] of cases) {
      const res = await put(payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      const problem = problemOf(res);
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(`${problem.detail} ${JSON.stringify(problem.errors)}`).toMatch(detail);
    }
    expect((await t.inject({ method: 'GET', url: '/api/v1/public/branding' })).json()).toMatchObject({ clinicName: 'Kept Clinic' });
  });

  it('lets only an admin read or change the branding', async () => {
    expect((await t.inject({ method: 'PUT', url: '/api/v1/settings/branding', payload: { clinicName: 'X', logoDataUrl: null } })).statusCode).toBe(401);
    const res = await t.inject({ method: 'PUT', url: '/api/v1/settings/branding', headers: await t.as('receptionist'), payload: { clinicName: 'X', logoDataUrl: null } });
    expect(res.statusCode).toBe(403);
  });

  it('tells the admin the status address phones are given', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/settings/status-address', headers: await t.as('admin') });
    expect(res.json()).toEqual({ publicUrl: 'http://clinic.test', statusUrl: 'http://clinic.test/status', reachableFromPhones: true });
  });
});

describe('the status address check', () => {
  it('calls an address on this machine unreachable from phones, and a LAN or public one reachable', () => {
    for (const url of ['http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000', 'http://0.0.0.0:3000', 'http://app.localhost']) expect(isLoopbackUrl(url), url).toBe(true);
    for (const url of ['http://192.168.1.20:3000', 'https://queue.clinic.example']) expect(isLoopbackUrl(url), url).toBe(false);
  });
});
