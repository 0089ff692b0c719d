import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../apps/web/scripts/check-status-size.mjs', import.meta.url));

describe('the patient status page bundle', () => {
  it('ships under 60 KB of gzipped JavaScript, for cheap phones on slow networks', () => {
    const run = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    const kb = Number(/([\d.]+)\s*KB/i.exec(run.stdout)?.[1]);
    expect(kb).toBeGreaterThan(0);
    expect(kb).toBeLessThan(60);
  });
});
