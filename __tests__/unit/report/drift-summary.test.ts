import { describe, expect, it } from 'vitest'
import {
  driftedCount,
  driftRemains,
  orphanCount,
  renderDriftSection,
  setupDrifts
} from '../../../src/report/drift-summary.ts'
import type { DriftReport, Result } from '../../../src/types/results.ts'

const result = (
  release: string,
  drift: DriftReport | undefined,
  over: Partial<Result> = {}
): Result => ({
  setup: 'local/a',
  namespace: 'ns',
  release,
  plan: `local/a/ns/${release}.yaml`,
  chart: './charts/web',
  version: '',
  operation: null,
  status: 'unchanged',
  revision: 1,
  durationMs: 5,
  error: null,
  notes: [],
  ...(drift ? { drift } : {}),
  ...over,
  health: over.health ?? null
})

const drifted: DriftReport = {
  state: 'drifted',
  corrected: false,
  objects: [
    {
      object: 'ConfigMap/ns/web',
      state: 'drifted',
      fields: [{ path: '/data/color', want: 'blue', have: 'red ``` |' }]
    },
    { object: 'Service/ns/web', state: 'missing', fields: [] }
  ]
}

describe('drift counts and the summary section', () => {
  const results = [
    result('a', { state: 'in-sync', objects: [], corrected: false }),
    result('b', drifted),
    result('c', { state: 'release-missing', objects: [], corrected: false }),
    result('d', { state: 'orphan', objects: [], corrected: false })
  ]

  it('counts drifted and missing releases apart from orphans', () => {
    expect([driftedCount(results), orphanCount(results)]).toEqual([2, 1])
  })

  it('drift remains unless it was corrected and the correction succeeded', () => {
    expect(driftRemains(results.slice(0, 1))).toBe(false)
    expect(
      driftRemains([result('b', { ...drifted, corrected: true }, { status: 'succeeded' })])
    ).toBe(false)
    expect(driftRemains([result('b', drifted, { status: 'failed' })])).toBe(true)
    // A suspended release is left as its plan asks: neither drift nor an orphan.
    const suspended = { state: 'suspended' as const, objects: [], corrected: false }
    expect(driftRemains([result('s', suspended, { status: 'skipped' })])).toBe(false)
  })

  it('a row a release, and each drifted object as a short diff that cannot close its fence', () => {
    const section = renderDriftSection(results)
    expect(section).toContain('4 release(s) checked: 2 drifted or missing, 1 orphan(s).')
    expect(section).toContain(
      '| `local/a` | `ns/b` | ⚠️ drifted | `ConfigMap/ns/web` (drifted), `Service/ns/web` (missing) |  |'
    )
    expect(section).toContain('| `local/a` | `ns/d` | 👻 orphan |  |  |')
    expect(section).toContain(
      '<details><summary><code>local/a ns/b: ConfigMap/ns/web</code></summary>\n\n````diff\n@@ /data/color @@\n- blue\n+ red ``` |\n````'
    )
  })

  it('setupDrifts: a body a checked setup; a setup never checked is left out', () => {
    const other = result('x', undefined, {
      setup: 'local/b',
      status: 'failed',
      error: 'unreachable'
    })
    const issues = setupDrifts('f'.repeat(40), [...results, other])
    expect(issues.map((i) => [i.setup, i.drifted])).toEqual([['local/a', true]])
    expect(issues[0]!.body).toMatch(
      /^The drift check of `ffffffffffff` found setup `local\/a` not as the commit says\./
    )
  })
})
