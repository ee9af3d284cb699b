import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Files run two (or more) at a time even on two cores: the end-to-end files spend much of their time waiting
    // on child processes, servers and fsync, so a second worker fills that time (measured: 248 s -> 168 s).
    maxWorkers: Math.max(2, availableParallelism()),
    // One PostgreSQL cluster per run, shared by the files that need one.
    globalSetup: ['test/support/global-setup.ts'],
  },
});
