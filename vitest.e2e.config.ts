import { defineConfig } from 'vitest/config';

// End-to-end: the built renderer in Chromium against a real `selfguide serve` on a temporary project.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    globalSetup: ['tests/e2e/support/build-renderer.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // The UI updates asynchronously (fetches, events); give it time on a busy two-core machine.
    expect: { poll: { timeout: 10_000 } },
    // Each file runs a server, a job worker and a browser; on two cores they take turns.
    fileParallelism: false,
  },
});
