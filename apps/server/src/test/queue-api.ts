import { expect } from 'vitest';
import { nextPhone, type TestApp } from './test-app.js';

export interface IssuedToken {
  id: string;
  number: string;
  status: string;
  position: number;
  estimatedWait: { minMinutes: number; maxMinutes: number };
  statusKey: string;
}

/** Small verbs over the HTTP API for queue tests: each asserts the call itself succeeded. */
export function queueApi(t: TestApp) {
  return {
    async issue(departmentId: string, priority?: string, name = 'Test Patient'): Promise<IssuedToken> {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: await t.as('receptionist'),
        payload: { departmentId, patient: { name, phone: nextPhone() }, ...(priority && { priority }) },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    },
    async callNext(counterId: string): Promise<{ id: string; number: string } | null> {
      const res = await t.inject({ method: 'POST', url: `/api/v1/counters/${counterId}/call-next`, headers: await t.as('doctor') });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ token: { id: string; number: string } | null }>().token;
    },
    async act(tokenId: string, action: string, payload?: object) {
      return t.inject({ method: 'POST', url: `/api/v1/tokens/${tokenId}/${action}`, headers: await t.as('doctor'), ...(payload && { payload }) });
    },
    async queue(departmentId: string) {
      const res = await t.inject({ method: 'GET', url: `/api/v1/departments/${departmentId}/queue`, headers: await t.as('doctor') });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{
        waiting: { id: string; number: string; reason: string; position: number; estimatedWait: { minMinutes: number; maxMinutes: number } }[];
        waitingCount: number;
        called: { id: string }[];
        serving: { id: string }[];
        parked: { id: string }[];
      }>();
    },
    async token(tokenId: string) {
      const res = await t.inject({ method: 'GET', url: `/api/v1/tokens/${tokenId}`, headers: await t.as('receptionist') });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ status: string; number: string; departmentId: string; recallCount: number; position?: number; history: { action: string; toStatus: string; reason?: string }[] }>();
    },
  };
}
