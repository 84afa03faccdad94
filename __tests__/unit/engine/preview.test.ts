import { setupReleaseKey } from '../../../src/types/plan.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ValuesFiles } from '../../../src/secrets/sops-values.ts'
import {
  DiffBudget,
  previewApply,
  previewUninstall,
  type PreviewContext
} from '../../../src/engine/preview.ts'
import { DEFAULT_REMOVAL } from '../../../src/plan/plan-options.ts'
import { PlanLog } from '../../../src/report/plan-log.ts'
import type { Config } from '../../../src/types/config.ts'
import type { BasePlan, DiffBase } from '../../../src/types/diff-base.ts'
import type { PlannedStep } from '../../../src/types/plan.ts'
import { resetCore } from '../../support/fakes/core.ts'
import { fakeHelm, type FakeCall, type FakeHelm } from '../../support/fakes/helm.ts'
import { webSpec } from '../../support/plan-spec.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))
beforeEach(resetCore)

// A preview with a typed fake of helm: `helm template` of head and of base, each
// side from its own folder and environment, then the object diff.

const target = { plan: 's/a/ns/web.yaml', setup: 's/a', namespace: 'ns', release: 'web' }
const apply: Extract<PlannedStep, { action: 'apply' }> = {
  action: 'apply',
  target,
  reasons: [],
  spec: webSpec()
}
const removed: PlannedStep = {
  action: 'uninstall',
  target,
  reasons: [],
  needs: [],
  removal: DEFAULT_REMOVAL
}
const configMap = (name: string, value: string) =>
  `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "${value}"\n`

/** Renders `head` with head's environment, `base` with base's. */
const bySide =
  (head: string, base: string | Error) =>
  (call: FakeCall): Promise<string> => {
    if (call.env.SIDE === 'head') return Promise.resolve(head)
    return base instanceof Error ? Promise.reject(base) : Promise.resolve(base)
  }

function context(helm: FakeHelm, diffBase?: DiffBase): PreviewContext {
  const workspace = mkdtempSync(join(tmpdir(), 'preview-'))
  const signal = new AbortController().signal
  const charts = { resolve: () => Promise.resolve('/charts/web') }
  return {
    helm,
    helmArgs: [],
    signal,
    values: new ValuesFiles({ config: { workspace } as Config, dir: workspace, signal }),
    scratch: workspace,
    head: { root: workspace, charts, env: { SIDE: 'head' } },
    ...(diffBase && {
      base: {
        diffBase,
        side:
          diffBase.kind === 'commit' ? { root: '/base', charts, env: { SIDE: 'base' } } : undefined,
        budget: new DiffBudget()
      }
    })
  }
}
const commitBase = (plans: ReadonlyMap<string, BasePlan>): DiffBase => ({
  kind: 'commit',
  sha: 'b'.repeat(40),
  reason: 'merge base',
  root: '/base',
  repositories: [],
  plans
})
const at = `base bbbbbbbbbbbb (merge base)`

/** A base commit whose plan for the target is the same web plan. */
const sameBasePlan = (): DiffBase =>
  commitBase(
    new Map([[setupReleaseKey(target), { kind: 'plan', plan: target.plan, spec: webSpec() }]])
  )

describe('previewApply', () => {
  it('head alone when no base was asked for', async () => {
    const helm = fakeHelm({ template: configMap('web', '1') })
    const result = await previewApply(apply, context(helm), new PlanLog('t'))
    expect(helm.brief()).toEqual(['template ns/web'])
    expect(result).toMatchObject({
      operation: 'render',
      status: 'planned',
      notes: ['renders 1 object(s)']
    })
  })

  it('both sides rendered, each with its own environment; a change is planned with its diff', async () => {
    const helm = fakeHelm({ template: bySide(configMap('web', '2'), configMap('web', '1')) })
    const result = await previewApply(apply, context(helm, sameBasePlan()), new PlanLog('t'))
    expect(helm.calls.map((c) => c.env.SIDE)).toEqual(['head', 'base'])
    expect(result.status).toBe('planned')
    expect(result.diff?.objects.map((o) => o.change)).toEqual(['changed'])
  })

  it('the same objects at base: unchanged', async () => {
    const helm = fakeHelm({ template: configMap('web', '1') })
    const result = await previewApply(apply, context(helm, sameBasePlan()), new PlanLog('t'))
    expect(result.status).toBe('unchanged')
    expect(result.notes[0]).toBe('renders the same as at base (1 object(s))')
  })

  it('a plan new at base: every object added', async () => {
    const helm = fakeHelm({ template: configMap('web', '1') })
    const result = await previewApply(apply, context(helm, commitBase(new Map())), new PlanLog('t'))
    expect(helm.calls).toHaveLength(1)
    expect(result.notes[0]).toMatch(/^a new plan: /)
  })

  it.each<[string, DiffBase, string | Error, string]>([
    ['no base commit', { kind: 'none', reason: 'no merge base' }, '', 'no diff: no merge base'],
    [
      'a base plan that cannot be read',
      commitBase(
        new Map([
          [setupReleaseKey(target), { kind: 'problem', plan: target.plan, message: 'bad yaml' }]
        ])
      ),
      '',
      `no diff: ${target.plan} at ${at} cannot be read: bad yaml`
    ],
    [
      'a base that does not render',
      sameBasePlan(),
      new Error('helm template failed: missing chart'),
      `no diff: ${target.plan} at ${at} does not render: helm template failed: missing chart`
    ]
  ])('%s: head still renders, the note says why no diff', async (_name, base, baseAnswer, why) => {
    const helm = fakeHelm({ template: bySide(configMap('web', '1'), baseAnswer) })
    const result = await previewApply(apply, context(helm, base), new PlanLog('t'))
    expect(result.status).toBe('planned')
    expect(result.notes).toEqual(['renders 1 object(s)', why])
  })

  it('head that does not render fails the plan', async () => {
    const helm = fakeHelm({ template: new Error('helm template failed: parse error') })
    const result = await previewApply(apply, context(helm), new PlanLog('t'))
    expect(result).toMatchObject({
      operation: 'render',
      status: 'failed',
      error: `${target.plan}: helm template failed: parse error`
    })
  })

  it("template gets the chart, values and the user's helm-args translated for this helm", async () => {
    const helm = fakeHelm({ template: '' })
    await previewApply(
      apply,
      { ...context(helm), helmArgs: ['--atomic', '--timeout', '5m'] },
      new PlanLog('t')
    )
    expect(helm.calls[0]?.input).toEqual({
      target,
      chart: '/charts/web',
      version: undefined,
      values: [],
      userArgs: ['--rollback-on-failure', '--timeout', '5m'],
      includeCrds: true
    })
  })
})

describe('previewUninstall', () => {
  it('what base rendered is what the uninstall removes', async () => {
    const helm = fakeHelm({ template: configMap('web', '1') })
    const result = await previewUninstall(removed, context(helm, sameBasePlan()), new PlanLog('t'))
    expect(helm.calls.map((c) => c.env.SIDE)).toEqual(['base'])
    expect(result).toMatchObject({ operation: 'uninstall', status: 'planned' })
    expect(result.diff?.objects.map((o) => o.change)).toEqual(['removed'])
  })
  it('without a base: planned, nothing rendered', async () => {
    const helm = fakeHelm()
    const result = await previewUninstall(removed, context(helm), new PlanLog('t'))
    expect(helm.calls).toEqual([])
    expect(result.notes).toEqual(['would uninstall the release'])
  })
})
