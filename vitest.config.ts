import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Tests share one machine of 2 cores; keep workers few so timing-sensitive tests stay calm.
    maxWorkers: 2,
    env: { LOG_LEVEL: 'silent', LANGCHAIN_TRACING_V2: 'false', LANGSMITH_TRACING: 'false' },
  },
});
