import { beforeEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_REMOVAL } from '../../../src/plan/plan-options.ts'
import { reportPlan, reportResults, reportRunFailure } from '../../../src/report/report.ts'
import { addSecret, resetSecrets } from '../../../src/secrets/masking.ts'
import type { DeploymentPlan } from '../../../src/types/plan.ts'
import type { Result } from '../../../src/types/results.ts'
import * as core from '../../support/fakes/core.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))

const target = {
  plan: 'local/a/default/web.yaml',
  setup: 'local/a',
  namespace: 'default',
  release: 'web'
}
const broken = {
  plan: 'local/b/default/bad.yaml',
  setup: 'local/b',
  namespace: 'default',
  release: 'bad'
}
const plan: DeploymentPlan = {
  sha: 'abc123',
  waves: [['local/b'], ['local/a']],
  repositories: [],
  runKind: { kind: 'resync' },
  setups: [
    {
      setup: 'local/a',
      steps: [
        {
          action: 'uninstall',
          target,
          reasons: ['local/a/default/web.yaml removed'],
          needs: [],
          removal: DEFAULT_REMOVAL
        }
      ]
    }
  ],
  problems: [
    { target: broken, problem: { file: broken.plan, line: 3, message: 'unknown key "chrat"' } }
  ]
}
const result: Result = {
  ...target,
  chart: '',
  version: '',
  operation: 'uninstall',
  status: 'succeeded',
  revision: null,
  durationMs: 12,
  error: null,
  notes: ['already absent'],
  health: null
}

beforeEach(() => {
  core.resetCore()
  resetSecrets()
  delete process.env.GITHUB_STEP_SUMMARY
})

describe('reportPlan', () => {
  it('writes the affected setups (problems included) as a sorted matrix list', () => {
    reportPlan(plan, { kind: 'all', head: 'abc123', reason: 'workflow_dispatch' }, undefined)
    expect(JSON.parse(core.outputs.get('setups') ?? '')).toEqual(['local/a', 'local/b'])
  })
  it('writes the same setups in wave order', () => {
    reportPlan(plan, { kind: 'all', head: 'abc123', reason: 'workflow_dispatch' }, undefined)
    expect(JSON.parse(core.outputs.get('waves') ?? '')).toEqual([['local/b'], ['local/a']])
  })
  it('gives a notice when the event affects nothing', () => {
    reportPlan(
      { ...plan, setups: [], problems: [], waves: [] },
      { kind: 'none', reason: 'a tag push deploys nothing' },
      undefined
    )
    expect(core.annotations).toEqual([
      { kind: 'notice', message: 'Nothing to deploy: a tag push deploys nothing' }
    ])
    expect(core.outputs.get('setups')).toBe('[]')
    expect(core.outputs.get('waves')).toBe('[]')
  })
})

describe('reportResults', () => {
  it('turns plan problems into failed results with an annotation on the line, and fails the step', async () => {
    await reportResults(plan, [result], false)
    const results = JSON.parse(core.outputs.get('results') ?? '') as Result[]
    expect(results.map((r) => [r.plan, r.status])).toEqual([
      ['local/a/default/web.yaml', 'succeeded'],
      ['local/b/default/bad.yaml', 'failed']
    ])
    expect(results.map((r) => r.wave)).toEqual([2, 1])
    expect(results[1]?.error).toBe('local/b/default/bad.yaml: unknown key "chrat"')
    expect(results[1]).not.toHaveProperty('line')
    expect(core.outputs.get('failed')).toBe('1')
    expect(core.annotations).toEqual([
      {
        kind: 'error',
        message: 'local/b/default/bad.yaml: unknown key "chrat"',
        properties: {
          title: 'plan of local/b default/bad failed',
          file: 'local/b/default/bad.yaml',
          startLine: 3
        }
      }
    ])
    expect(core.failed).toEqual(['1 of 2 plan(s) failed: local/b/default/bad.yaml'])
  })
  it('masks secrets in outputs, annotations and the summary', async () => {
    addSecret('hunter2-secret', 'a test')
    const leaky: Result = {
      ...result,
      status: 'failed',
      error: 'helm said: password hunter2-secret rejected'
    }
    await reportResults({ ...plan, problems: [] }, [leaky], false)
    expect(core.outputs.get('results')).not.toContain('hunter2-secret')
    expect(core.outputs.get('results')).toContain('password *** rejected')
    expect(core.annotations[0]).toMatchObject({
      kind: 'error',
      message: 'helm said: password *** rejected'
    })
    expect(core.log.join('\n')).not.toContain('hunter2-secret')
  })
  it('a warning of a plan that did not fail: a warning annotation on its plan file, in the results output, the step succeeds', async () => {
    const warning =
      'CRD widgets.example.com changed in the chart; under crds: create it is not applied'
    const warned: Result = { ...result, operation: 'upgrade', warnings: [warning] }
    await reportResults({ ...plan, problems: [] }, [warned], false)
    expect(core.annotations).toEqual([
      {
        kind: 'warning',
        message: `${target.plan}: ${warning}`,
        properties: { title: 'upgrade of local/a default/web: warning', file: target.plan }
      }
    ])
    const results = JSON.parse(core.outputs.get('results') ?? '') as Result[]
    expect(results[0]?.warnings).toEqual([warning])
    expect(core.failed).toEqual([])
  })

  it('succeeds when nothing failed; a cancelled run fails', async () => {
    await reportResults({ ...plan, problems: [] }, [result], false)
    expect(core.failed).toEqual([])
    await reportResults({ ...plan, problems: [] }, [result], true)
    expect(core.failed).toEqual(['The run was cancelled before every plan finished'])
  })
})

describe('reportRunFailure', () => {
  it('a run-level error still ends with results, failed, setups and a summary, masked', async () => {
    addSecret('hunter2-secret', 'a test')
    await reportRunFailure('.gitops/repositories.yaml line 3: bad url hunter2-secret')
    expect(core.failed).toEqual(['.gitops/repositories.yaml line 3: bad url ***'])
    // setups stays as reportPlan wrote it (earlier cases here), else '[]'.
    expect(Object.fromEntries(core.outputs)).toMatchObject({ results: '[]', failed: '1' })
    expect(core.infos.join('\n')).toContain(
      '## gitops-action: the run failed before any plan ran\n\n> [!CAUTION]\n> `.gitops/repositories.yaml line 3: bad url ***`\n'
    )
  })
})
