// A vitest reporter that prints, at the end of the run, the table of the fault
// suite (__tests__/faults): case, expected outcome (the test's `meta.expected`),
// result. Other tests are left to the default reporter.
import type { Reporter, TestModule } from 'vitest/node'

declare module 'vitest' {
  interface TaskMeta {
    /** The outcome a fault case asserts, in a sentence, for the table. */
    expected?: string
  }
}

const FAULTS = /__tests__\/faults\//

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim()
}

export default class FaultTableReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const rows: string[] = []
    let passed = 0
    for (const module of testModules) {
      if (!FAULTS.test(module.moduleId)) continue
      const file = module.moduleId.replace(/.*__tests__\/faults\//, '')
      for (const test of module.children.allTests()) {
        const state = test.result().state
        const expected = test.meta().expected ?? ''
        const duration = test.diagnostic()?.duration
        if (state === 'passed') passed++
        const result =
          state === 'passed'
            ? 'pass'
            : state === 'failed'
              ? 'FAIL'
              : state === 'skipped'
                ? 'skipped'
                : state
        rows.push(
          `| ${rows.length + 1} | ${cell(file.replace(/\.test\.ts$/, ''))} | ${cell(test.name)} | ${cell(expected)} | ${result}${duration ? ` (${(duration / 1000).toFixed(1)} s)` : ''} |`
        )
      }
    }
    if (rows.length === 0) return
    const out = [
      '',
      `Fault suite: ${passed} of ${rows.length} cases pass`,
      '',
      '| # | group | case | expected outcome | result |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
      ''
    ]
    process.stdout.write(out.join('\n') + '\n')
  }
}
