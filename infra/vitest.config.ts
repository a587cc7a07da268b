import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Synthesis is CPU-bound and each file loads a provider's generated classes; two cores, two workers.
    maxWorkers: 2,
    // Other engineers run their suites on the same two cores, so give a loaded machine room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
