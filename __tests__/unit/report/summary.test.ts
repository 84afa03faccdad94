import { describe, expect, it } from 'vitest'
import { formatDuration, renderSummary } from '../../../src/report/summary.ts'
import type { Result } from '../../../src/types/results.ts'

const base: Result = {
  setup: 'local/a',
  namespace: 'default',
  release: 'web',
  plan: 'local/a/default/web.yaml',
  chart: 'bed/web',
  version: '0.1.0',
  operation: 'upgrade',
  status: 'succeeded',
  revision: 2,
  durationMs: 1534,
  error: null,
  notes: [],
  health: null
}

describe('renderSummary', () => {
  it('renders one row a plan with chart@version, revision and duration', () => {
    const md = renderSummary({
      run: 'deploy',
      sha: 'abcdef1234567890',
      results: [base],
      cancelled: false
    })
    expect(md).toContain('## gitops-action: deploy of `abcdef123456`')
    expect(md).toContain(
      '| Setup | Namespace | Release | Chart | Operation | Result | Revision | Duration |'
    )
    expect(md).toContain(
      '| `local/a` | `default` | `web` | `bed/web@0.1.0` | upgrade | ✅ succeeded | 2 | 1.5 s |'
    )
    expect(md).toContain('1 plan(s): 1 succeeded.')
  })
  it("says a checked release's health beside its result", () => {
    const md = renderSummary({
      run: 'deploy',
      sha: 'abcdef1234567890',
      results: [
        { ...base, health: 'healthy' },
        { ...base, release: 'api', status: 'failed', error: 'unhealthy', health: 'unhealthy' }
      ],
      cancelled: false
    })
    expect(md).toContain('| upgrade | ✅ succeeded, healthy | 2 |')
    expect(md).toContain('| upgrade | ❌ failed, unhealthy | 2 |')
  })
  it('lists errors and notes, each one inert code span on its line', () => {
    const failed: Result = {
      ...base,
      release: 'api',
      plan: 'local/a/default/api.yaml',
      status: 'failed',
      revision: null,
      error: 'x | y\n<script>'
    }
    const noted: Result = { ...base, notes: ['recovered: release was left pending-upgrade'] }
    const md = renderSummary({
      run: 'deploy',
      sha: 'abc',
      results: [noted, failed],
      cancelled: true
    })
    expect(md).toContain(
      '| `local/a` | `default` | `api` | `bed/web@0.1.0` | upgrade | ❌ failed |  | 1.5 s |'
    )
    expect(md).toContain('- `local/a/default/api.yaml`: `x | y\\n<script>`')
    expect(md).toContain('recovered: release was left pending-upgrade')
    expect(md).toContain('The run was cancelled')
    expect(md).toContain('1 succeeded, 1 failed')
  })
  it('lists warnings apart, each one inert code span on its line', () => {
    const warned: Result = {
      ...base,
      warnings: [
        'CRD widgets.example.com changed in the chart; under crds: create it is not applied'
      ]
    }
    const md = renderSummary({
      run: 'deploy',
      sha: 'abc',
      results: [warned, base],
      cancelled: false
    })
    expect(md).toContain(
      '### Warnings\n\n- `local/a/default/web.yaml`: `CRD widgets.example.com changed in the chart; under crds: create it is not applied`\n'
    )
    expect(
      renderSummary({ run: 'deploy', sha: 'abc', results: [base], cancelled: false })
    ).not.toContain('Warnings')
  })
  it('calls a run with only planned results a preview', () => {
    const md = renderSummary({
      run: 'deploy',
      sha: 'abc',
      results: [{ ...base, status: 'planned', operation: 'render', revision: null }],
      cancelled: false
    })
    expect(md).toContain('preview (nothing applied)')
    expect(md).toContain('📝 planned')
  })
  it('names a drift check in the heading, not a deploy', () => {
    const md = renderSummary({
      run: 'drift check',
      sha: 'abcdef1234567890',
      results: [{ ...base, status: 'unchanged', operation: null }],
      cancelled: false
    })
    expect(md).toContain('## gitops-action: drift check of `abcdef123456`')
    expect(md).not.toContain('deploy of')
  })
  it('says when nothing was affected', () => {
    expect(renderSummary({ run: 'deploy', sha: 'abc', results: [], cancelled: false })).toContain(
      'No plan was affected.'
    )
  })
  it.each([
    [0, '0 ms'],
    [999, '999 ms'],
    [1000, '1.0 s'],
    [61_000, '1 min 1 s']
  ])('formats %i ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text))
})
