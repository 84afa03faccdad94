import { describe, expect, it } from 'vitest'
import { soakTargets, stoppedNote, waveGate, type GateEntry } from '../../../src/waves/gate.ts'
import { NO_HEALTH_CHECK } from '../../../src/types/health.ts'
import type { PlannedStep } from '../../../src/types/plan.ts'
import type { Status } from '../../../src/types/results.ts'
import { DEFAULT_REMOVAL } from '../../../src/plan/plan-options.ts'
import { webSpec } from '../../support/plan-spec.ts'

// Pure: whether a wave lets the next one start, the note of the plans it stops, and
// which releases a soak reads again.

const entry = (
  plan: string,
  status: Status,
  health?: GateEntry['health'],
  setup = plan.split('/').slice(0, 2).join('/')
): GateEntry => ({ setup, plan, status, ...(health !== undefined && { health }) })

describe('waveGate', () => {
  it.each<[string, GateEntry[], string[] | 'passed']>([
    ['no plan (a wave of plan files that all failed is not this)', [], 'passed'],
    [
      'succeeded and unchanged, health unchecked or healthy',
      [
        entry('a/b/ns/x.yaml', 'succeeded'),
        entry('a/b/ns/y.yaml', 'unchanged', null),
        entry('a/c/ns/z.yaml', 'succeeded', 'healthy')
      ],
      'passed'
    ],
    [
      'a plan skipped on purpose (suspend) holds nothing back',
      [entry('a/b/ns/x.yaml', 'skipped'), entry('a/b/ns/y.yaml', 'succeeded')],
      'passed'
    ],
    [
      'a failed plan stops it',
      [entry('a/b/ns/x.yaml', 'succeeded'), entry('a/b/ns/y.yaml', 'failed')],
      ['a/b/ns/y.yaml']
    ],
    [
      'an unhealthy plan stops it, whatever its status says',
      [entry('a/b/ns/x.yaml', 'succeeded', 'unhealthy')],
      ['a/b/ns/x.yaml']
    ],
    [
      'every plan that stopped it, in setup then plan order',
      [
        entry('b/b/ns/x.yaml', 'failed'),
        entry('a/c/ns/y.yaml', 'failed', 'unhealthy'),
        entry('a/c/ns/a.yaml', 'failed')
      ],
      ['a/c/ns/a.yaml', 'a/c/ns/y.yaml', 'b/b/ns/x.yaml']
    ]
  ])('%s', (_name, entries, expected) => {
    const gate = waveGate(entries)
    if (expected === 'passed') expect(gate).toEqual({ passed: true })
    else expect(gate.passed ? [] : gate.stoppedBy.map((e) => e.plan)).toEqual(expected)
  })
})

describe('stoppedNote', () => {
  it.each<[number, GateEntry[], string]>([
    [
      1,
      [entry('aws/a/ns/web.yaml', 'failed')],
      'not run: wave 1 failed (setup aws/a: aws/a/ns/web.yaml failed); the next run deploys it'
    ],
    [
      2,
      [entry('aws/a/ns/web.yaml', 'succeeded', 'unhealthy'), entry('aws/b/ns/x.yaml', 'failed')],
      'not run: wave 2 failed (setup aws/a: aws/a/ns/web.yaml was unhealthy and 1 more plan(s)); the next run deploys it'
    ]
  ])('wave %i', (wave, stoppedBy, note) => {
    expect(stoppedNote(wave, stoppedBy)).toBe(note)
  })
})

describe('soakTargets', () => {
  const target = (release: string) => ({
    setup: 's/a',
    namespace: 'ns',
    release,
    plan: `s/a/ns/${release}.yaml`
  })
  const applied = (release: string, enable: boolean): PlannedStep => {
    const spec = webSpec()
    return {
      action: 'apply',
      target: target(release),
      reasons: [],
      spec: { ...spec, options: { ...spec.options, health: { ...NO_HEALTH_CHECK, enable } } }
    }
  }
  const result = (release: string, status: Status, operation: string | null = 'upgrade') => ({
    ...entry(`s/a/ns/${release}.yaml`, status),
    operation
  })

  it('the health-checked releases in place: succeeded or unchanged, not uninstalled, not failed', () => {
    const steps: PlannedStep[] = [
      applied('installed', true),
      applied('unchanged', true),
      applied('unchecked', false),
      applied('failed', true),
      applied('suspended', true),
      {
        action: 'uninstall',
        target: target('removed'),
        reasons: [],
        needs: [],
        removal: DEFAULT_REMOVAL
      }
    ]
    const results = [
      result('installed', 'succeeded', 'install'),
      result('unchanged', 'unchanged'),
      result('unchecked', 'succeeded'),
      result('failed', 'failed'),
      result('suspended', 'skipped', null),
      result('removed', 'succeeded', 'uninstall')
    ]
    expect(soakTargets(steps, results).map(({ step }) => step.target.release)).toEqual([
      'installed',
      'unchanged'
    ])
  })

  it('where results say health, only the releases found healthy', () => {
    const steps = [applied('healthy', true), applied('unchecked', true), applied('off', false)]
    const results = [
      { ...result('healthy', 'succeeded'), health: 'healthy' as const },
      { ...result('unchecked', 'unchanged'), health: null },
      { ...result('off', 'succeeded'), health: 'healthy' as const }
    ]
    expect(soakTargets(steps, results).map(({ step }) => step.target.release)).toEqual(['healthy'])
  })
})
