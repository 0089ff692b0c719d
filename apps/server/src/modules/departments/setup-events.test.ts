import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.js';
import { startTestApp, type TestApp } from '../../test/test-app.js';
import { COALESCE_MS } from './setup-events.routes.js';

/**
 * Reads a server-sent event stream, collecting the event names as they arrive. Plain node:http with
 * no agent: fetch's pool opens a spare connection that the server's close would wait for.
 */
function listen(url: string, headers: Record<string, string>): Promise<{ events: string[]; status: number; type: string | undefined; close(): void }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers, agent: false }, (res) => {
      const events: string[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const complete = buffer.lastIndexOf('\n\n');
        if (complete < 0) return;
        for (const match of buffer.slice(0, complete).matchAll(/^event: (\w+)$/gm)) events.push(match[1]!);
        buffer = buffer.slice(complete + 2);
      });
      res.on('error', () => undefined);
      resolve({ events, status: res.statusCode ?? 0, type: res.headers['content-type'], close: () => request.destroy() });
    });
    request.on('error', reject);
  });
}

/**
 * Lets the announcement of what the test just set up go out before a stream opens: it waits in a
 * coalescing timer, and a stream opened within that window would hear it as if it came later.
 * Node runs timers in order of their due time, so a longer timer set after it always fires after.
 */
const announcementsSent = () => new Promise((resolve) => setTimeout(resolve, COALESCE_MS * 3));

describe.each(DIALECTS)('the setup change stream on %s', (dialect) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => t.close());

  it('tells an open screen at once that a department or counter changed, one message per burst', async () => {
    const d = await t.department({ code: 'SSE', counters: 3 });
    await announcementsSent();
    const stream = await listen(`${base}/api/v1/setup/events`, await t.as('receptionist'));
    try {
      expect(stream.status).toBe(200);
      expect(stream.type).toMatch(/^text\/event-stream/);
      await expect.poll(() => stream.events).toEqual(['ready']);
      await t.inject({ method: 'PATCH', url: `/api/v1/departments/${d.id}`, headers: await t.as('admin'), payload: { name: 'Streamed Clinic' } });
      await expect.poll(() => stream.events, { timeout: 2000 }).toEqual(['ready', 'setup']);
      // A reorder touches every counter: the screen hears it once.
      const ids = d.counters.map((c) => c.id).reverse();
      await t.inject({ method: 'PUT', url: `/api/v1/departments/${d.id}/counter-order`, headers: await t.as('admin'), payload: { counterIds: ids } });
      await expect.poll(() => stream.events, { timeout: 2000 }).toEqual(['ready', 'setup', 'setup']);
    } finally {
      stream.close();
    }
  });

  it('tells an open board at once that its ticker or fade time changed, and the board reads the new settings', async () => {
    const d = await t.department({ code: 'TKR', counters: 1 });
    const board = async () => (await t.inject({ method: 'GET', url: `/api/v1/departments/${d.id}/board`, headers: await t.as('display') })).json<{ ticker: string; tileFadeMinutes: number }>();
    // Read once so the settings are cached: the change must reach past the cache.
    expect(await board()).toMatchObject({ ticker: '', tileFadeMinutes: 10 });
    await announcementsSent();
    const stream = await listen(`${base}/api/v1/setup/events`, await t.as('display'));
    try {
      await expect.poll(() => stream.events).toEqual(['ready']);
      const res = await t.inject({ method: 'PUT', url: `/api/v1/departments/${d.id}/board-settings`, headers: await t.as('admin'), payload: { ticker: 'Lab closes at 2 pm', tileFadeMinutes: 3 } });
      expect(res.statusCode, res.body).toBe(200);
      await expect.poll(() => stream.events, { timeout: 2000 }).toEqual(['ready', 'board']);
      expect(await board()).toMatchObject({ ticker: 'Lab closes at 2 pm', tileFadeMinutes: 3 });
    } finally {
      stream.close();
    }
  });

  it('is refused without a login', async () => {
    const res = await listen(`${base}/api/v1/setup/events`, {});
    res.close();
    expect(res.status).toBe(401);
  });
});
