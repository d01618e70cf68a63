import { defineConfig } from 'vitest/config';

// Two projects: pure units beside the code, integration tests (real Redis, ansible-playbook,
// local fakes) under test/. Two workers because CI has two cores.
export default defineConfig({
  test: {
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['./test/support/global-setup.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
