import { defineConfig } from 'vitest/config'

// Two projects: `unit` is pure and fast; `bed` needs the test bed (real helm,
// API servers, nginx, registry), which its global setup brings up or reuses.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['__tests__/unit/**/*.test.ts'],
          environment: 'node'
        }
      },
      {
        test: {
          name: 'bed',
          include: ['__tests__/bed/**/*.test.ts', '__tests__/e2e/**/*.test.ts', '__tests__/faults/**/*.test.ts'],
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
