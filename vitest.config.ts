import { defineConfig } from 'vitest/config';

/**
 * Tests whose assertion is a latency (the "/health stays under 250 ms during a large
 * re-index") run in a group of their own, after every other test file, so the rest of the
 * suite does not compete with them for the machine's 2 cores.
 */
const TIMING_SENSITIVE = ['tests/server/reindex-responsive.test.ts'];

/** What every tier shares (vitest.unit.config.ts runs the unit tier with it). */
export const SHARED_TEST = {
  globalSetup: ['tests/global-setup.ts'],
  testTimeout: 60_000,
  env: { LOG_LEVEL: 'silent', LANGCHAIN_TRACING_V2: 'false', LANGSMITH_TRACING: 'false' },
};

export default defineConfig({
  test: {
    ...SHARED_TEST,
    hookTimeout: 180_000,
    // Tests share one machine of 2 cores; keep workers few so timing-sensitive tests stay calm.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'suite', include: ['tests/**/*.test.ts'], exclude: TIMING_SENSITIVE, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timing', include: TIMING_SENSITIVE, sequence: { groupOrder: 1 } } },
    ],
  },
});
