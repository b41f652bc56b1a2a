import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: integration tests spawn CLIs and decode images; keep the parallelism modest.
    maxWorkers: 2,
    setupFiles: ['tests/support/setup.ts'],
  },
});
