import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Cluster tests start real processes; keep files in separate forks and give them time.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: more parallel files only make multi-process tests starve each other.
    maxWorkers: 2,
    // The reference-counting tests trigger garbage collection to see FinalizationRegistry free objects.
    execArgv: ['--expose-gc'],
    // Test processes record themselves here, not in the user's $CONVOY_HOME.
    env: { CONVOY_HOME: path.join(os.tmpdir(), `convoy-test-${process.pid}`), CONVOY_LOG_LEVEL: 'warn' },
  },
});
