import { defineConfig } from 'vitest/config';

// One real Elasticsearch for the whole run (test/global-setup.ts); every test file isolates
// itself with its own index prefix. Timeouts are generous because the machine has 2 cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
