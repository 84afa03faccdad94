import { describe, expect, it } from 'vitest'
import {
  bodyOf,
  commitMessage,
  fingerprintIn,
  fingerprintOf,
  titleOf,
  type BodyInput
} from '../../../src/promote/body.ts'
import { promotionBranch } from '../../../src/promote/branch-name.ts'
import type { Proposal } from '../../../src/promote/decide.ts'
import { planFileOf } from '../../../src/promote/read.ts'
import { promotionsJson, renderPromotions } from '../../../src/report/promotions.ts'

const target = planFileOf(
  { plan: 'aws/prod/web/app.yaml', setup: 'aws/prod', namespace: 'web', release: 'app' },
  'chart: bed/hello\nversion: 1.1.0\n'
)

const proposal = (over: Partial<Proposal> = {}): Proposal => ({
  target,
  from: 'aws/staging/web/app.yaml',
  source: 'chart: bed/hello\nversion: 1.2.0\n',
  changes: [{ key: 'version', old: '1.1.0', new: '1.2.0' }],
  proof: { kind: 'run', revision: 3, health: 'healthy' },
  ...over
})

const input = (proposals: Proposal[]): BodyInput => ({
  setup: 'aws/prod',
  branch: 'gitops/promote/aws/prod',
  proposals,
  commit: 'a'.repeat(40),
  runUrl: 'https://github.example/o/r/actions/runs/9'
})

describe('the pull request', () => {
  it('names one version bump in its title, several plans by count', () => {
    expect(titleOf('aws/prod', [proposal()])).toBe('Promote web/app 1.2.0 to aws/prod')
    const other = planFileOf(
      { plan: 'aws/prod/web/api.yaml', setup: 'aws/prod', namespace: 'web', release: 'api' },
      'chart: x\n'
    )
    expect(titleOf('aws/prod', [proposal(), proposal({ target: other })])).toBe(
      'Promote 2 plan(s) to aws/prod'
    )
  })

  it('lists each plan with old and new values, the source, its revision and health, the commit and the run', () => {
    const body = bodyOf(
      input([
        proposal(),
        proposal({
          changes: [{ key: 'set', old: undefined, new: '{"a":1}' }],
          proof: { kind: 'earlier', base: 'b'.repeat(40) }
        })
      ])
    )
    expect(body.split('\n')).toEqual([
      expect.stringMatching(/^<!-- gitops-action promotion [0-9a-f]{16} -->$/),
      'Proposes to `aws/prod` what ran as git says in `aws/staging`.',
      '',
      '| plan | key | now | proposed | from | proven |',
      '| --- | --- | --- | --- | --- | --- |',
      '| `aws/prod/web/app.yaml` | version | `1.1.0` | `1.2.0` | `aws/staging/web/app.yaml` | deployed by this run (revision 3), healthy |',
      '| `aws/prod/web/app.yaml` | set | (not set) | `{"a":1}` | `aws/staging/web/app.yaml` | deployed by an earlier run, unchanged since bbbbbbbbbbbb |',
      '',
      `Built on the deployed commit ${'a'.repeat(40)} by [the run](https://github.example/o/r/actions/runs/9).`,
      '',
      expect.stringContaining('closed without merging, this pull request is not opened again'),
      ''
    ])
  })

  it('shows values inert: a value cannot break out of its cell or start Markdown', () => {
    const body = bodyOf(
      input([proposal({ changes: [{ key: 'set', old: 'a|b', new: '{"x":"`@team <img>\n# h"}' }] })])
    )
    expect(body).toContain('| `a\\|b` |')
    // One line, in a code span no backtick of the value closes.
    expect(body).toContain('| ``{"x":"`@team <img>\\n# h"}`` |')
  })

  it('the hidden marker names the values: same values, same fingerprint', () => {
    const body = bodyOf(input([proposal()]))
    expect(fingerprintIn(body)).toBe(fingerprintOf([proposal()]))
    expect(fingerprintOf([proposal({ proof: { kind: 'branch', commit: 'c'.repeat(40) } })])).toBe(
      fingerprintOf([proposal()])
    )
    expect(
      fingerprintOf([proposal({ changes: [{ key: 'version', old: '1.1.0', new: '1.3.0' }] })])
    ).not.toBe(fingerprintOf([proposal()]))
    expect(fingerprintIn('Promote by hand\n<!-- gitops-action promotion abc -->')).toBeUndefined()
  })

  it('the commit message says what changed, from where, and the deployed commit', () => {
    expect(commitMessage(input([proposal()]))).toBe(
      [
        'Promote web/app 1.2.0 to aws/prod',
        '',
        'aws/prod/web/app.yaml: version 1.1.0 -> 1.2.0 (from aws/staging/web/app.yaml)',
        '',
        `Deployed commit: ${'a'.repeat(40)}`,
        'Run: https://github.example/o/r/actions/runs/9',
        ''
      ].join('\n')
    )
  })
})

describe('promotionBranch', () => {
  it.each([
    ['aws/prod', 'gitops/promote/aws/prod'],
    ['local', 'gitops/promote/local'],
    ['aws/prod.eu', 'gitops/promote/aws/prod.eu'],
    // Parts git refuses in a ref: their dots become '@', which no setup part holds.
    ['aws/a..b', 'gitops/promote/aws/a@@b'],
    ['aws/x.lock', 'gitops/promote/aws/x@lock']
  ])('%s → %s', (setup, branch) => {
    expect(promotionBranch(setup)).toBe(branch)
  })
})

describe('the promotions output and summary', () => {
  const promotion = {
    setup: 'aws/prod',
    branch: 'gitops/promote/aws/prod',
    number: 12,
    url: 'https://github.example/o/r/pull/12',
    plans: [
      {
        plan: 'aws/prod/web/app.yaml',
        from: 'aws/staging/web/app.yaml',
        changes: [{ key: 'version' as const, old: undefined, new: '1.2.0' }]
      }
    ]
  }

  it('is one object a target setup, in the documented shape', () => {
    expect(JSON.parse(promotionsJson([promotion]))).toEqual([
      {
        setup: 'aws/prod',
        branch: 'gitops/promote/aws/prod',
        number: 12,
        url: 'https://github.example/o/r/pull/12',
        plans: [
          {
            plan: 'aws/prod/web/app.yaml',
            from: 'aws/staging/web/app.yaml',
            changes: [{ key: 'version', old: null, new: '1.2.0' }]
          }
        ]
      }
    ])
  })

  it('has a summary section only when there is something to say', () => {
    expect(renderPromotions({ promotions: [], notes: [], warnings: [] })).toBe('')
    expect(
      renderPromotions({ promotions: [promotion], notes: ['a note'], warnings: [] })
    ).toContain(
      '| `aws/prod` | `gitops/promote/aws/prod` | [#12](https://github.example/o/r/pull/12) | `aws/prod/web/app.yaml` |'
    )
  })
})
