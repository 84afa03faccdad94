import { describe, expect, it } from 'vitest'
import {
  proposals,
  withBranch,
  type Branch,
  type PlanFile,
  type PlansBySetup,
  type Standing
} from '../../../src/promote/decide.ts'
import { planFileOf } from '../../../src/promote/read.ts'
import { standingOf, type RunEvidence } from '../../../src/promote/standing.ts'
import { releaseKey } from '../../../src/types/plan.ts'
import type { PromotionRule } from '../../../src/types/promotion.ts'
import type { Result } from '../../../src/types/results.ts'

/** A plan file `<setup>/web/<release>.yaml` with these lines. */
function plan(setup: string, release: string, ...lines: string[]): PlanFile {
  const path = `${setup}/web/${release}.yaml`
  return planFileOf(
    { plan: path, setup, namespace: 'web', release },
    `${['chart: bed/hello', ...lines].join('\n')}\n`
  )
}

function plansOf(...files: PlanFile[]): PlansBySetup {
  const plans = new Map<string, Map<string, PlanFile>>()
  for (const file of files) {
    const setup = plans.get(file.target.setup) ?? new Map<string, PlanFile>()
    setup.set(releaseKey(file.target), file)
    plans.set(file.target.setup, setup)
  }
  return plans
}

const rule = (from: string, to: string[], keys: PromotionRule['keys'] = ['version']) => ({
  from,
  to,
  keys,
  line: 1
})

const RUN: Standing = { kind: 'run', revision: 2, health: null }

/** What each target setup gets: plan ← from, with key old → new. */
function summary(result: ReturnType<typeof proposals>['bySetup']): Record<string, string[]> {
  return Object.fromEntries(
    [...result].map(([setup, list]) => [
      setup,
      list.flatMap((p) =>
        p.changes.map((c) => `${p.target.target.plan} ← ${p.from}: ${c.key} ${c.old} → ${c.new}`)
      )
    ])
  )
}

describe('what a deploy proposes', () => {
  const staging = plan('aws/staging', 'app', 'version: 1.2.0', 'set:', '  replicas: 1')
  const prod = plan('aws/prod', 'app', 'version: 1.1.0', 'set:', '  replicas: 3')

  it.each<
    [string, PromotionRule[], PlanFile[], (p: PlanFile) => Standing, Record<string, string[]>]
  >([
    [
      'a version proven in staging goes to prod; set stays, as keys say',
      [rule('aws/staging', ['aws/prod'])],
      [staging, prod],
      () => RUN,
      { 'aws/prod': ['aws/prod/web/app.yaml ← aws/staging/web/app.yaml: version 1.1.0 → 1.2.0'] }
    ],
    [
      'with keys [version, set] both go',
      [rule('aws/staging', ['aws/prod'], ['version', 'set'])],
      [staging, prod],
      () => RUN,
      {
        'aws/prod': [
          'aws/prod/web/app.yaml ← aws/staging/web/app.yaml: version 1.1.0 → 1.2.0',
          'aws/prod/web/app.yaml ← aws/staging/web/app.yaml: set {"replicas":3} → {"replicas":1}'
        ]
      }
    ],
    [
      'equal values: nothing',
      [rule('aws/staging', ['aws/prod'])],
      [staging, plan('aws/prod', 'app', 'version: 1.2.0')],
      () => RUN,
      {}
    ],
    [
      'set compares as the planner reads it: dotted paths are nested values',
      [rule('aws/staging', ['aws/prod'], ['set'])],
      [
        plan('aws/staging', 'app', 'set: {image.tag: v2}'),
        plan('aws/prod', 'app', 'set:', '  image:', '    tag: v2')
      ],
      () => RUN,
      {}
    ],
    [
      'a failed, skipped or unhealthy plan proposes nothing',
      [rule('aws/staging', ['aws/prod'])],
      [staging, prod],
      () => ({ kind: 'failed' }),
      {}
    ],
    [
      'a plan whose standing is unknown proposes nothing',
      [rule('aws/staging', ['aws/prod'])],
      [staging, prod],
      () => ({ kind: 'unknown' }),
      {}
    ],
    [
      'a version the source leaves out is not proposed',
      [rule('aws/staging', ['aws/prod'])],
      [plan('aws/staging', 'app'), prod],
      () => RUN,
      {}
    ],
    [
      'one entry, two targets',
      [rule('aws/staging', ['aws/prod', 'aws/prod-us'])],
      [staging, prod, plan('aws/prod-us', 'app', 'version: 1.0.0')],
      () => RUN,
      {
        'aws/prod': ['aws/prod/web/app.yaml ← aws/staging/web/app.yaml: version 1.1.0 → 1.2.0'],
        'aws/prod-us': [
          'aws/prod-us/web/app.yaml ← aws/staging/web/app.yaml: version 1.0.0 → 1.2.0'
        ]
      }
    ],
    [
      'two sources for one target key: the earlier entry of the file wins',
      [rule('aws/staging', ['aws/prod']), rule('aws/canary', ['aws/prod'])],
      [staging, plan('aws/canary', 'app', 'version: 1.3.0'), prod],
      () => RUN,
      { 'aws/prod': ['aws/prod/web/app.yaml ← aws/staging/web/app.yaml: version 1.1.0 → 1.2.0'] }
    ],
    [
      'a chain staging → prod-eu → prod-us: a deploy of staging proposes to prod-eu only',
      [rule('aws/staging', ['aws/prod-eu']), rule('aws/prod-eu', ['aws/prod-us'])],
      [
        staging,
        plan('aws/prod-eu', 'app', 'version: 1.1.0'),
        plan('aws/prod-us', 'app', 'version: 1.1.0')
      ],
      (p) => (p.target.setup === 'aws/staging' ? RUN : { kind: 'unknown' }),
      {
        'aws/prod-eu': [
          'aws/prod-eu/web/app.yaml ← aws/staging/web/app.yaml: version 1.1.0 → 1.2.0'
        ]
      }
    ],
    [
      'the chain, once prod-eu deployed it: prod-us gets it from prod-eu',
      [rule('aws/staging', ['aws/prod-eu']), rule('aws/prod-eu', ['aws/prod-us'])],
      [
        staging,
        plan('aws/prod-eu', 'app', 'version: 1.2.0'),
        plan('aws/prod-us', 'app', 'version: 1.1.0')
      ],
      (p) => (p.target.setup === 'aws/prod-eu' ? RUN : { kind: 'unknown' }),
      {
        'aws/prod-us': [
          'aws/prod-us/web/app.yaml ← aws/prod-eu/web/app.yaml: version 1.1.0 → 1.2.0'
        ]
      }
    ],
    [
      'plans deployed by an earlier run are on the branch too (every pending promotion)',
      [rule('aws/staging', ['aws/prod'])],
      [
        staging,
        prod,
        plan('aws/staging', 'api', 'version: 2.0.0'),
        plan('aws/prod', 'api', 'version: 1.0.0')
      ],
      (p) => (p.target.release === 'app' ? RUN : { kind: 'earlier', base: 'b'.repeat(40) }),
      {
        'aws/prod': [
          'aws/prod/web/api.yaml ← aws/staging/web/api.yaml: version 1.0.0 → 2.0.0',
          'aws/prod/web/app.yaml ← aws/staging/web/app.yaml: version 1.1.0 → 1.2.0'
        ]
      }
    ],
    [
      'chart carries the repository along, shown without credentials',
      [rule('aws/staging', ['aws/prod'], ['chart'])],
      [
        planFileOf(
          {
            plan: 'aws/staging/web/app.yaml',
            setup: 'aws/staging',
            namespace: 'web',
            release: 'app'
          },
          'chart: hello\nrepository: https://user:pw@charts.example\n'
        ),
        prod
      ],
      () => RUN,
      {
        'aws/prod': [
          'aws/prod/web/app.yaml ← aws/staging/web/app.yaml: chart bed/hello → hello (repository https://charts.example/)'
        ]
      }
    ]
  ])('%s', (_name, rules, files, standing, expected) => {
    expect(summary(proposals(rules, plansOf(...files), standing).bySetup)).toEqual(expected)
  })

  it('a target without the plan is a note on the plan this run deployed, nothing is created', () => {
    const result = proposals(
      [rule('aws/staging', ['aws/prod'])],
      plansOf(staging, plan('aws/prod', 'other', 'version: 1.0.0')),
      () => RUN
    )
    expect(summary(result.bySetup)).toEqual({})
    expect(result.notes.get('aws/staging/web/app.yaml')).toEqual([
      'not promoted to aws/prod: it has no plan for web/app (a promotion never creates one)'
    ])
  })

  it('a plan proven by an earlier run gets no note for a missing target', () => {
    const result = proposals([rule('aws/staging', ['aws/prod'])], plansOf(staging), () => ({
      kind: 'earlier',
      base: 'b'.repeat(40)
    }))
    expect(result.notes.size).toBe(0)
  })
})

describe('the proposals already on the branch', () => {
  const staging = plan('aws/staging', 'app', 'version: 1.2.0')
  const prod = plan('aws/prod', 'app', 'version: 1.1.0')
  const stagingApi = plan('aws/staging', 'api', 'version: 2.0.0')
  const prodApi = plan('aws/prod', 'api', 'version: 1.0.0')
  const rules = [rule('aws/staging', ['aws/prod'])]
  const plans = plansOf(staging, prod, stagingApi, prodApi)
  const edit = (file: PlanFile, version: string): Branch['edits'][number] => {
    const text = file.text.replace(/version: .*/, `version: ${version}`)
    const values = planFileOf(file.target, text).values
    if (!values) throw new Error('not a plan')
    return { plan: file.target.plan, text, values, keys: ['version'] }
  }
  const own = (standing: (p: PlanFile) => Standing) =>
    proposals(rules, plans, standing).bySetup.get('aws/prod') ?? []
  const lines = (list: ReturnType<typeof withBranch>) =>
    list.flatMap((p) =>
      p.changes.map((c) => `${p.target.target.release} ${c.new} (${p.proof.kind})`)
    )

  it.each<[string, (p: PlanFile) => Standing, Branch, string[]]>([
    [
      'an earlier proposal the run cannot tell about (a plan the plans input left out) is kept',
      (p) => (p.target.release === 'app' ? RUN : { kind: 'unknown' }),
      { commit: 'c'.repeat(40), edits: [edit(prodApi, '2.0.0')], newer: false },
      ['api 2.0.0 (branch)', 'app 1.2.0 (run)']
    ],
    [
      'an earlier proposal whose source changed since is dropped',
      (p) => (p.target.release === 'app' ? RUN : { kind: 'unknown' }),
      { commit: 'c'.repeat(40), edits: [edit(prodApi, '1.9.0')], newer: false },
      ['app 1.2.0 (run)']
    ],
    [
      'an earlier proposal whose source this run failed is dropped',
      (p) => (p.target.release === 'app' ? RUN : { kind: 'failed' }),
      { commit: 'c'.repeat(40), edits: [edit(prodApi, '2.0.0')], newer: false },
      ['app 1.2.0 (run)']
    ],
    [
      "an older branch's value for the same key gives way to this run's",
      () => RUN,
      { commit: 'c'.repeat(40), edits: [edit(prod, '1.1.5')], newer: false },
      ['api 2.0.0 (run)', 'app 1.2.0 (run)']
    ],
    [
      "a newer branch's value for the same key stands (a concurrent run of a later commit)",
      (p) => (p.target.release === 'app' ? RUN : { kind: 'unknown' }),
      { commit: 'c'.repeat(40), edits: [edit(prod, '1.3.0')], newer: true },
      ['app 1.3.0 (branch)']
    ],
    [
      'a proposal the target already holds is no longer pending',
      (p) => (p.target.release === 'app' ? RUN : { kind: 'unknown' }),
      { commit: 'c'.repeat(40), edits: [edit(prodApi, '1.0.0')], newer: true },
      ['app 1.2.0 (run)']
    ]
  ])('%s', (_name, standing, branch, expected) => {
    expect(lines(withBranch('aws/prod', own(standing), branch, rules, plans, standing))).toEqual(
      expected
    )
  })
})

describe('whether a plan is deployed as git says', () => {
  const file = plan('aws/staging', 'app', 'version: 1.2.0')
  const result = (fields: Partial<Result> & Record<string, unknown>): Result => ({
    setup: 'aws/staging',
    namespace: 'web',
    release: 'app',
    plan: file.target.plan,
    chart: 'bed/hello',
    version: '1.2.0',
    operation: 'upgrade',
    status: 'succeeded',
    revision: 2,
    durationMs: 1,
    error: null,
    notes: [],
    ...fields
  })
  const evidence = (over: Partial<RunEvidence>): RunEvidence => ({
    results: new Map(),
    problems: new Set(),
    deployedBase: undefined,
    selected: () => true,
    ...over
  })
  const base = 'b'.repeat(40)

  it.each<[string, RunEvidence, PlanFile, Standing['kind']]>([
    ['succeeded', evidence({ results: new Map([[file.target.plan, result({})]]) }), file, 'run'],
    [
      'unchanged (the release already at its digest)',
      evidence({ results: new Map([[file.target.plan, result({ status: 'unchanged' })]]) }),
      file,
      'run'
    ],
    [
      'failed',
      evidence({ results: new Map([[file.target.plan, result({ status: 'failed' })]]) }),
      file,
      'failed'
    ],
    [
      'skipped (a later wave, suspend)',
      evidence({
        results: new Map([[file.target.plan, result({ status: 'skipped', operation: null })]])
      }),
      file,
      'failed'
    ],
    [
      'succeeded but unhealthy',
      evidence({ results: new Map([[file.target.plan, result({ health: 'unhealthy' })]]) }),
      file,
      'failed'
    ],
    [
      'a plan file the run could not read',
      evidence({ problems: new Set([file.target.plan]) }),
      file,
      'failed'
    ],
    [
      'untouched, diff from the last successful run',
      evidence({ deployedBase: base }),
      file,
      'earlier'
    ],
    ['untouched, any other diff base', evidence({}), file, 'unknown'],
    [
      'untouched, but outside the plans input',
      evidence({ deployedBase: base, selected: () => false }),
      file,
      'unknown'
    ],
    [
      'untouched, but suspended',
      evidence({ deployedBase: base }),
      plan('aws/staging', 'app', 'version: 1.2.0', 'suspend: true'),
      'unknown'
    ]
  ])('%s', (_name, given, planFile, kind) => {
    expect(standingOf(given, planFile).kind).toBe(kind)
  })

  it('carries revision and health into the proof', () => {
    const given = evidence({
      results: new Map([[file.target.plan, result({ revision: 4, health: 'healthy' })]])
    })
    expect(standingOf(given, file)).toEqual({ kind: 'run', revision: 4, health: 'healthy' })
  })
})
