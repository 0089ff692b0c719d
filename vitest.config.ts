import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['apps/server/src/test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // A page, a worker or another instance may take more than a second on a loaded machine (CI): polls
    // wait up to 10 s for what they expect, and still fail when it never comes.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // Two cores here: more workers only make the database-heavy files wait on each other.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
