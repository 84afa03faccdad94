import { defineConfig } from 'vitest/config'

// Two projects: `unit` is pure and fast; `bed` needs the test bed (real helm,
// API servers, nginx, registry), which its global setup brings up or reuses.
export default defineConfig({
  test: {
    // The fault suite's table (case, expected outcome, result) after the default report.
    reporters: ['default', './__tests__/support/fault-table-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['__tests__/unit/**/*.test.ts'],
          environment: 'node'
        }
      },
      // Opt-in (GITOPS_ACT=1): the fleet workflow's shape under nektos/act, on the test bed.
      ...(process.env.GITOPS_ACT
        ? [
            {
              test: {
                name: 'act',
                include: ['__tests__/act/**/*.test.ts'],
                environment: 'node',
                globalSetup: ['__tests__/support/testbed-setup.ts'],
                testTimeout: 900_000,
                hookTimeout: 900_000,
                fileParallelism: false
              }
            }
          ]
        : []),
      {
        test: {
          name: 'bed',
          include: [
            '__tests__/bed/**/*.test.ts',
            '__tests__/e2e/**/*.test.ts',
            '__tests__/faults/**/*.test.ts'
          ],
          environment: 'node',
          globalSetup: ['__tests__/support/testbed-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false
        }
      }
    ]
  }
})
