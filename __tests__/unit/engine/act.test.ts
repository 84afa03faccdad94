import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ValuesFiles } from '../../../src/secrets/sops-values.ts'
import { act, type ActContext } from '../../../src/engine/act.ts'
import type { Decision } from '../../../src/engine/decide.ts'
import { LABELS, quarantineLabel } from '../../../src/engine/marker.ts'
import { ownershipSignature } from '../../../src/engine/ownership.ts'
import { DEFAULT_OPTIONS, DEFAULT_REMOVAL } from '../../../src/plan/plan-options.ts'
import { PlanLog } from '../../../src/report/plan-log.ts'
import type { Config } from '../../../src/types/config.ts'
import type { HookName, PlannedStep, PlanSpec } from '../../../src/types/plan.ts'
import type { ObjectDrift, Result } from '../../../src/types/results.ts'
import { pulledChart } from '../../support/chart-archive.ts'
import { testConfig } from '../../support/config.ts'
import { resetCore } from '../../support/fakes/core.ts'
import {
  fakeHelm,
  fakeHooks,
  releaseJson,
  type FakeHelm,
  type FakeHooks
} from '../../support/fakes/helm.ts'
import { fakeKube, type FakeKube } from '../../support/fakes/kube.ts'
import { KubeApiError } from '../../../src/cluster/client.ts'
import {
  deployment,
  DISCOVERY,
  eventsPath,
  manifestOf,
  podsPath,
  podWarningsPath,
  warning
} from '../../support/fakes/kube-objects.ts'
import { NO_HOOKS, webSpec } from '../../support/plan-spec.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))
beforeEach(resetCore)

// act(), the one interpreter, with typed fakes of helm, hooks and the API client:
// every decision kind, what it calls in which order, and the result it makes.

const SHA = 'a'.repeat(40)
const DIGEST = 'd'.repeat(32)
const KEY = 'k'.repeat(32)
const target = { plan: 's/a/ns/web.yaml', setup: 's/a', namespace: 'ns', release: 'web' }
const applyStep = (spec: Partial<PlanSpec> = {}): Extract<PlannedStep, { action: 'apply' }> => ({
  action: 'apply',
  target,
  reasons: [],
  spec: webSpec(spec)
})
const uninstallStep = (
  hooks?: Partial<Record<HookName, string[]>>
): Extract<PlannedStep, { action: 'uninstall' }> => ({
  action: 'uninstall',
  target,
  reasons: [],
  needs: [],
  removal: {
    ...DEFAULT_REMOVAL,
    ...(hooks && {
      hooks: {
        commit: 'b'.repeat(40),
        'pre-uninstall': hooks['pre-uninstall'] ?? [],
        'post-uninstall': hooks['post-uninstall'] ?? []
      }
    })
  }
})
const withHooks = (hooks: Partial<Record<HookName, string[]>>) => ({
  hooks: { ...NO_HOOKS, ...hooks }
})

interface Fixture {
  readonly helm: FakeHelm
  readonly hooks: FakeHooks
  readonly kube: FakeKube
  readonly context: ActContext
}

function fixture(
  options: {
    helm?: FakeHelm
    hooks?: FakeHooks
    kube?: FakeKube
    config?: Partial<Config>
    noCluster?: boolean
    liveDrift?: ActContext['liveDrift']
  } = {}
): Fixture {
  const workspace = mkdtempSync(join(tmpdir(), 'act-'))
  const config = testConfig({ workspace, ...options.config })
  const signal = new AbortController().signal
  const helm = options.helm ?? fakeHelm()
  const hooks = options.hooks ?? fakeHooks()
  const kube = options.kube ?? fakeKube()
  const context: ActContext = {
    helm,
    hooks,
    config,
    sha: SHA,
    run: '42',
    // helm pulled stable/web 1.0.0, without CRDs: nothing more is rendered.
    env: { PATH: '/bin', ...pulledChart('web', '1.0.0') },
    charts: { resolve: () => Promise.resolve('/charts/web') },
    values: new ValuesFiles({ config, dir: workspace, signal }),
    signal,
    scratch: workspace,
    commitFiles: (sha) => Promise.resolve(`/commits/${sha.slice(0, 7)}`),
    ...(!options.noCluster && { cluster: { kubeconfig: '/kube/config', client: kube } }),
    ...(options.liveDrift && { liveDrift: options.liveDrift })
  }
  return { helm, hooks, kube, context }
}

const run = (step: PlannedStep, decision: Decision, f: Fixture, digest = DIGEST) =>
  act(step, decision, digest, f.context, new PlanLog('test'))

const upgrade: Decision = { kind: 'apply', operation: 'upgrade', lastDeployed: 1, notes: [] }
const install: Decision = { kind: 'apply', operation: 'install', notes: [] }
const secretPath = (revision: number) =>
  `/api/v1/namespaces/ns/secrets/sh.helm.release.v1.web.v${revision}`

/** A result in the few fields a case asserts. */
const brief = (r: Result) => ({
  operation: r.operation,
  status: r.status,
  revision: r.revision,
  error: r.error
})

describe('act: decisions that call nothing', () => {
  it.each<[string, PlannedStep, Decision, ReturnType<typeof brief> & { notes: string[] }]>([
    [
      'unchanged',
      applyStep(),
      { kind: 'unchanged', operation: 'upgrade', revision: 3, note: 'unchanged: revision 3' },
      {
        operation: 'upgrade',
        status: 'unchanged',
        revision: 3,
        error: null,
        notes: ['unchanged: revision 3']
      }
    ],
    [
      'leave',
      applyStep(),
      { kind: 'leave', note: 'suspended' },
      { operation: null, status: 'skipped', revision: null, error: null, notes: ['suspended'] }
    ],
    [
      'refuse, failed',
      applyStep(),
      { kind: 'refuse', operation: 'upgrade', status: 'failed', reason: 'not ours' },
      {
        operation: 'upgrade',
        status: 'failed',
        revision: null,
        error: 's/a/ns/web.yaml: not ours',
        notes: []
      }
    ],
    [
      'refuse, skipped',
      uninstallStep(),
      { kind: 'refuse', operation: 'uninstall', status: 'skipped', reason: 'not ours' },
      {
        operation: 'uninstall',
        status: 'skipped',
        revision: null,
        error: null,
        notes: ['not ours']
      }
    ],
    [
      'report (a drift check)',
      applyStep(),
      {
        kind: 'report',
        revision: 4,
        notes: ['in sync'],
        drift: { state: 'in-sync', objects: [] }
      },
      { operation: null, status: 'unchanged', revision: 4, error: null, notes: ['in sync'] }
    ],
    [
      'plan-uninstall (a preview without a base)',
      uninstallStep(),
      { kind: 'plan-uninstall' },
      {
        operation: 'uninstall',
        status: 'planned',
        revision: null,
        error: null,
        notes: ['would uninstall the release']
      }
    ]
  ])('%s', async (_name, step, decision, expected) => {
    const f = fixture()
    const result = await run(step, decision, f)
    expect({ ...brief(result), notes: result.notes }).toEqual(expected)
    expect(f.helm.calls).toEqual([])
    expect(f.hooks.calls).toEqual([])
    expect(f.kube.patches).toEqual([])
  })

  it('a report carries what the check found, not corrected', async () => {
    const objects = [{ object: 'ConfigMap/ns/a', state: 'missing' as const, fields: [] }]
    const result = await run(
      applyStep(),
      { kind: 'report', revision: 4, notes: ['drifted'], drift: { state: 'drifted', objects } },
      fixture()
    )
    expect(result.drift).toEqual({ state: 'drifted', objects, corrected: false })
  })

  it('a decision that does not fit the step is an internal error', async () => {
    await expect(run(uninstallStep(), install, fixture())).rejects.toThrow(
      'internal error: decision apply does not fit a uninstall step'
    )
    await expect(run(uninstallStep(), { kind: 'render' }, fixture())).rejects.toThrow(
      'does not fit'
    )
  })
})

describe('act: install and upgrade', () => {
  it('installs with the marker, then marks the revision finished and signed', async () => {
    const f = fixture({ config: { ownershipKey: KEY } })
    const result = await run(applyStep(), install, f)
    expect(brief(result)).toEqual({
      operation: 'install',
      status: 'succeeded',
      revision: 1,
      error: null
    })
    expect(f.helm.brief()).toEqual(['install ns/web'])
    const input = f.helm.calls[0]?.input
    expect(input).toMatchObject({
      operation: 'install',
      chart: '/charts/web',
      target,
      description: expect.stringContaining(DIGEST) as unknown
    })
    expect(f.kube.patches).toEqual([
      {
        path: secretPath(1),
        patch: {
          metadata: {
            labels: {
              [LABELS.finished]: '1',
              [LABELS.signature]: ownershipSignature(KEY, {
                namespace: 'ns',
                release: 'web',
                revision: 1,
                digest: DIGEST
              })
            }
          }
        }
      }
    ])
  })

  it('without API access nothing is marked, and the deploy still succeeds', async () => {
    const f = fixture()
    const context = { ...f.context, cluster: { kubeconfig: '/k', client: undefined } }
    const result = await act(applyStep(), upgrade, DIGEST, context, new PlanLog('t'))
    expect(result.status).toBe('succeeded')
    expect(f.kube.patches).toEqual([])
  })

  it('a mark that cannot be written is told: the next run upgrades again', async () => {
    const f = fixture({ kube: fakeKube({}, new Error('forbidden')) })
    const result = await run(applyStep(), upgrade, f)
    expect(result.status).toBe('succeeded')
    expect(result.notes).toContain(
      'deployed, but the release could not be marked finished (forbidden): the next run upgrades it again'
    )
  })

  it.each<[string, Decision, string[], string]>([
    [
      'rollback first',
      {
        kind: 'apply',
        operation: 'upgrade',
        recover: { kind: 'rollback', to: 2, reason: 'left pending' },
        lastDeployed: 2,
        notes: []
      },
      ['rollback ns/web 2', 'upgrade ns/web'],
      'recovered: left pending, rolled back to revision 2'
    ],
    [
      'uninstall first',
      {
        kind: 'apply',
        operation: 'install',
        recover: { kind: 'uninstall', reason: 'never deployed' },
        notes: []
      },
      ['uninstall ns/web', 'install ns/web'],
      'recovered: never deployed, uninstalled it first'
    ]
  ])('recovers a release left behind: %s', async (_name, decision, calls, note) => {
    const f = fixture()
    const result = await run(applyStep(), decision, f)
    expect(f.helm.brief()).toEqual(calls)
    expect(result.notes).toContain(note)
    expect(result.status).toBe('succeeded')
  })

  it('a recovery that fails stops before helm install', async () => {
    const f = fixture({ helm: fakeHelm({ uninstall: new Error('helm uninstall failed: boom') }) })
    const result = await run(
      applyStep(),
      {
        kind: 'apply',
        operation: 'install',
        recover: { kind: 'uninstall', reason: 'x' },
        notes: []
      },
      f
    )
    expect(brief(result)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('boom')
    })
    expect(f.helm.brief()).toEqual(['uninstall ns/web'])
  })

  it('pre-hooks run before helm, post-hooks after, in the commit with the plan variables', async () => {
    const f = fixture()
    const step = applyStep(withHooks({ 'pre-upgrade': ['pre.sh'], 'post-upgrade': ['post.sh'] }))
    const result = await run(step, upgrade, f)
    expect(result.status).toBe('succeeded')
    expect(f.hooks.calls.map((c) => [c.name, c.scripts])).toEqual([
      ['pre-upgrade', ['pre.sh']],
      ['post-upgrade', ['post.sh']]
    ])
    expect(f.hooks.calls[0]?.env).toMatchObject({
      KUBECONFIG: '/kube/config',
      HELM: '/fake/helm',
      GITOPS_RELEASE: 'web',
      GITOPS_OPERATION: 'upgrade',
      GITOPS_SHA: SHA
    })
    expect(f.hooks.calls[0]?.workspace).toBe(f.context.config.workspace)
  })

  it('a failed pre-hook: helm is not run', async () => {
    const f = fixture({
      hooks: fakeHooks({ 'pre-install': new Error('pre-install hook a.sh exited with 1') })
    })
    const result = await run(applyStep(withHooks({ 'pre-install': ['a.sh'] })), install, f)
    expect(result.error).toBe(
      's/a/ns/web.yaml: pre-install hook a.sh exited with 1; helm install was not run'
    )
    expect(f.helm.calls).toEqual([])
  })

  it('a failed post-hook is recorded on the revision, so the next run runs it again', async () => {
    const f = fixture({
      hooks: fakeHooks({ 'post-upgrade': new Error('post-upgrade hook b.sh exited with 2') })
    })
    const result = await run(applyStep(withHooks({ 'post-upgrade': ['b.sh'] })), upgrade, f)
    expect(brief(result)).toEqual({
      operation: 'upgrade',
      status: 'failed',
      revision: 2,
      error: 's/a/ns/web.yaml: post-upgrade hook b.sh exited with 2'
    })
    expect(result.notes).toContain('the next run runs the post-upgrade hooks of revision 2 again')
    expect(f.kube.patches).toEqual([
      {
        path: secretPath(2),
        patch: { metadata: { labels: { [LABELS.hooksFailed]: 'upgrade.2' } } }
      }
    ])
  })

  it('helm failing fails the plan, with no post-hook and no mark', async () => {
    const f = fixture({ helm: fakeHelm({ upgrade: new Error('helm upgrade failed: timed out') }) })
    const result = await run(applyStep(withHooks({ 'post-upgrade': ['b.sh'] })), upgrade, f)
    expect(result.error).toBe('s/a/ns/web.yaml: helm upgrade failed: timed out')
    expect(f.hooks.calls).toEqual([])
    expect(f.kube.patches).toEqual([])
  })

  it('a chart that cannot be resolved fails before any hook or helm', async () => {
    const f = fixture({ hooks: fakeHooks() })
    const context = {
      ...f.context,
      charts: { resolve: () => Promise.reject(new Error('could not set up chart repository')) }
    }
    const step = applyStep(withHooks({ 'pre-upgrade': ['a.sh'] }))
    const result = await act(step, upgrade, DIGEST, context, new PlanLog('t'))
    expect(result.error).toContain('could not set up chart repository')
    expect(f.helm.calls).toEqual([])
    expect(f.hooks.calls).toEqual([])
  })

  it('a deploy without a cluster is an internal error, nothing runs', async () => {
    const f = fixture({ noCluster: true })
    const result = await run(applyStep(), upgrade, f)
    expect(result.error).toContain('internal error: a deploy without a cluster')
    expect(f.helm.calls).toEqual([])
  })

  it("the plan's release options follow the user's helm-args", async () => {
    const f = fixture({ config: { helmArgs: ['--timeout', '1m'] } })
    const step = applyStep({ options: { ...DEFAULT_OPTIONS, timeout: '5m', atomic: true } })
    await run(step, upgrade, f)
    expect(f.helm.calls[0]?.input).toMatchObject({
      userArgs: ['--timeout', '1m'],
      optionArgs: ['--timeout', '5m', '--rollback-on-failure=true']
    })
    expect((await run(step, upgrade, f)).notes).toContain('release options: atomic on, timeout 5m')
  })
})

describe('act: what helm prints of what it made', () => {
  const outputOf = (f: Fixture) => (f.helm.calls[0]?.input as { output?: string }).output

  it('an exact version: the table, the revision from it, the version from the plan', async () => {
    const f = fixture()
    const result = await run(applyStep({ version: '2.1.0' }), upgrade, f)
    expect(outputOf(f)).toBe('table')
    expect(result).toMatchObject({ status: 'succeeded', revision: 2, version: '2.1.0' })
    expect(f.kube.patches.map((p) => p.path)).toEqual([secretPath(2)])
  })

  it("a chart folder: the table, the version from its Chart.yaml (helm's --version is not for folders)", async () => {
    const f = fixture()
    const dir = mkdtempSync(join(tmpdir(), 'chart-'))
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 0.3.0\n')
    const context = { ...f.context, charts: { resolve: () => Promise.resolve(dir) } }
    const step = applyStep({ chart: { kind: 'local', path: 'charts/web' }, version: '9.9.9' })
    const result = await act(step, install, DIGEST, context, new PlanLog('t'))
    expect(outputOf(f)).toBe('table')
    expect(result).toMatchObject({ status: 'succeeded', revision: 1, version: '0.3.0' })
  })

  it('a version the plan cannot tell (none, or a range): the release as JSON', async () => {
    for (const version of [undefined, '^2.0.0']) {
      const f = fixture({ helm: fakeHelm({ upgrade: releaseJson(5, '2.3.0') }) })
      const result = await run(applyStep(version ? { version } : {}), upgrade, f)
      expect(outputOf(f)).toBe('json')
      expect(result).toMatchObject({ status: 'succeeded', revision: 5, version: '2.3.0' })
    }
  })
})

describe('act: a drift correction takes fields back', () => {
  const handEdited: ObjectDrift = {
    object: 'Widget/ns/web',
    state: 'drifted',
    fields: [{ path: '/spec/size', want: '1', have: '2' }]
  }
  const correct = (operation: 'install' | 'upgrade'): Decision => ({
    kind: 'apply',
    operation,
    notes: ['corrected'],
    reclaim: true,
    drift: { state: 'drifted', objects: [handEdited] }
  })
  /** The live comparison after the correction: what still differs, and when it was asked. */
  const readBack = (remaining: readonly ObjectDrift[] | Error, helm: FakeHelm) => {
    const asked: string[][] = []
    const liveDrift: ActContext['liveDrift'] = () => {
      asked.push(helm.brief())
      return remaining instanceof Error ? Promise.reject(remaining) : Promise.resolve(remaining)
    }
    return { asked, liveDrift }
  }
  it('Helm 4: --force-conflicts, after asking how the release was applied; read back after helm', async () => {
    const helm = fakeHelm({ status: JSON.stringify({ apply_method: 'ssa' }) })
    const back = readBack([], helm)
    const f = fixture({ helm, liveDrift: back.liveDrift })
    const result = await run(applyStep(), correct('upgrade'), f)
    expect(f.helm.brief()).toEqual(['status ns/web', 'upgrade ns/web'])
    const input = f.helm.calls[1]?.input
    expect(input).toMatchObject({
      userArgs: expect.arrayContaining(['--force-conflicts']) as unknown
    })
    expect(back.asked).toEqual([['status ns/web', 'upgrade ns/web']])
    expect(result.status).toBe('succeeded')
    expect(result.drift).toEqual({ state: 'drifted', objects: [handEdited], corrected: true })
  })
  it('Helm 3: no such flag, no status asked', async () => {
    const helm = fakeHelm({}, { path: '/fake/helm3', major: 3 })
    const f = fixture({ helm, liveDrift: readBack([], helm).liveDrift })
    await run(applyStep(), correct('upgrade'), f)
    expect(f.helm.brief()).toEqual(['upgrade ns/web'])
    expect(f.helm.calls[0]?.input).toMatchObject({ userArgs: [] })
  })
  it('an install of a missing release asks no status', async () => {
    const helm = fakeHelm()
    const f = fixture({ helm, liveDrift: readBack([], helm).liveDrift })
    await run(applyStep(), correct('install'), f)
    expect(f.helm.brief()).toEqual(['install ns/web'])
  })
  it('a correction that failed is reported not corrected, and nothing is read back', async () => {
    const helm = fakeHelm({ upgrade: new Error('helm upgrade failed: conflict') })
    const back = readBack([], helm)
    const f = fixture({ helm, liveDrift: back.liveDrift })
    const result = await run(applyStep(), correct('upgrade'), f)
    expect(result.drift?.corrected).toBe(false)
    expect(result.status).toBe('failed')
    expect(back.asked).toEqual([])
  })
  it.each<[string, 3 | 4, string]>([
    [
      'Helm 3: the custom resource still differs → failed, not corrected, the fields named',
      3,
      's/a/ns/web.yaml: not corrected: helm re-applied aaaaaaaaaaaa, and still differing: Widget/ns/web (/spec/size): Helm 3 takes back no hand edit of a custom resource (its patch compares the manifests alone); apply the manifest by hand (helm get manifest | kubectl apply -f -) or deploy with Helm 4'
    ],
    [
      'Helm 4: an object still differs → failed, not corrected',
      4,
      's/a/ns/web.yaml: not corrected: helm re-applied aaaaaaaaaaaa, and still differing: Widget/ns/web (/spec/size)'
    ]
  ])('%s', async (_name, major, error) => {
    const helm = fakeHelm({}, { path: `/fake/helm${major}`, major })
    const f = fixture({ helm, liveDrift: readBack([handEdited], helm).liveDrift })
    const result = await run(applyStep(), correct('upgrade'), f)
    expect(brief(result)).toEqual({ operation: 'upgrade', status: 'failed', revision: 2, error })
    expect(result.drift).toEqual({ state: 'drifted', objects: [handEdited], corrected: false })
  })
  it('objects that cannot be read back → failed, not corrected, with what was found', async () => {
    const helm = fakeHelm()
    const f = fixture({ helm, liveDrift: readBack(new Error('forbidden'), helm).liveDrift })
    const result = await run(applyStep(), correct('upgrade'), f)
    expect(result.status).toBe('failed')
    expect(result.error).toBe(
      's/a/ns/web.yaml: helm re-applied the release, and its objects could not be read back: forbidden'
    )
    expect(result.drift).toEqual({ state: 'drifted', objects: [handEdited], corrected: false })
  })
})

describe('act: helm test', () => {
  const tested = (rollbackOnFailure: boolean) =>
    applyStep({ options: { ...DEFAULT_OPTIONS, test: { rollbackOnFailure } } })
  it('passes: told in the notes', async () => {
    const f = fixture()
    const result = await run(tested(true), upgrade, f)
    expect(f.helm.brief()).toEqual(['upgrade ns/web', 'test ns/web'])
    expect(result.notes).toContain('helm test passed')
  })
  it('fails with rollbackOnFailure: rolled back to the last deployed revision', async () => {
    const f = fixture({ helm: fakeHelm({ test: new Error('helm test failed: pod failed') }) })
    const result = await run(tested(true), upgrade, f)
    expect(f.helm.brief()).toEqual(['upgrade ns/web', 'test ns/web', 'rollback ns/web 1'])
    expect(result.error).toBe(
      's/a/ns/web.yaml: helm test failed: helm test failed: pod failed; rolled back to revision 1'
    )
  })
  it('fails without rollbackOnFailure: the release stays', async () => {
    const f = fixture({ helm: fakeHelm({ test: new Error('pod failed') }) })
    const result = await run(tested(false), upgrade, f)
    expect(f.helm.brief()).toEqual(['upgrade ns/web', 'test ns/web'])
    expect(result.error).toContain('test.rollbackOnFailure is off')
  })
  it('fails on a first install: nothing to roll back to', async () => {
    const f = fixture({ helm: fakeHelm({ test: new Error('pod failed') }) })
    const result = await run(tested(true), install, f)
    expect(f.helm.brief()).toEqual(['install ns/web', 'test ns/web'])
    expect(result.notes).toContain('not rolled back: the release has no earlier deployed revision')
  })
})

describe('act: the health gate', () => {
  const WEB = manifestOf([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }])
  const WEB_PATH = '/apis/apps/v1/namespaces/ns/deployments/web'
  /** A plan with health on, post-hooks, and options; `timeout: 0s` reads once (no waiting in a unit test). */
  const checked = (options: Partial<PlanSpec['options']> = {}) =>
    applyStep({
      ...withHooks({ 'post-install': ['post.sh'], 'post-upgrade': ['post.sh'] }),
      options: {
        ...DEFAULT_OPTIONS,
        timeout: '0s',
        health: { ...DEFAULT_OPTIONS.health, enable: true },
        ...options
      }
    })
  /** helm answers the apply with the release's manifest; the cluster holds the Deployment as given. */
  const gated = (web: unknown, extra: Record<string, unknown> = {}) =>
    fixture({
      helm: fakeHelm({
        install: releaseJson(1, '1.0.0', WEB),
        upgrade: releaseJson(2, '1.0.0', WEB)
      }),
      kube: fakeKube({
        ...DISCOVERY,
        [WEB_PATH]: web,
        [eventsPath('ns', 'Deployment', 'web')]: { items: [] },
        [podsPath('ns', 'app=web')]: { items: [{ metadata: { name: 'web-1' } }] },
        [podWarningsPath('ns')]: {
          items: [
            warning(
              { kind: 'Pod', name: 'web-1' },
              'FailedScheduling',
              '0/2 nodes are available',
              '2025-01-01T00:00:00Z'
            )
          ]
        },
        ...extra
      })
    })
  const postHooks = (f: Fixture) => f.hooks.calls.filter((c) => c.name.startsWith('post-'))
  const finished = {
    path: secretPath(2),
    patch: { metadata: { labels: { [LABELS.finished]: '2' } } }
  }
  const unhealthyError = (undone: string) =>
    `s/a/ns/web.yaml: unhealthy: not current after 0s: Deployment/web; post-upgrade hooks were not run${undone}; the notes say why; fix the chart or its values and push again, or raise the plan's timeout if it only needs longer`
  const reasons = [
    'Deployment/web: Available: 0/1',
    'Deployment/web: Pod/web-1 Warning FailedScheduling: 0/2 nodes are available'
  ]

  it('healthy: the post-hooks run and the revision is marked finished; the manifest is the one helm printed', async () => {
    const f = gated(deployment('web', 'ns', true))
    const result = await run(checked(), upgrade, f)
    expect(result).toMatchObject({ status: 'succeeded', health: 'healthy', error: null })
    expect(f.helm.brief()).toEqual(['upgrade ns/web'])
    expect(postHooks(f).map((c) => c.name)).toEqual(['post-upgrade'])
    expect(f.kube.patches).toEqual([finished])
    expect(f.kube.gets).toContain(WEB_PATH)
  })

  it('helm printed no manifest: it is asked for (helm get manifest)', async () => {
    const f = gated(deployment('web', 'ns', true))
    const context = {
      ...f.context,
      helm: fakeHelm({ upgrade: releaseJson(2), manifest: WEB })
    }
    const result = await act(checked(), upgrade, DIGEST, context, new PlanLog('t'))
    expect(result.health).toBe('healthy')
    expect((context.helm as FakeHelm).brief()).toEqual(['upgrade ns/web', 'manifest ns/web'])
  })

  it('unhealthy: the plan fails naming the objects, the notes say why, no post-hook, no mark, the release stays', async () => {
    const f = gated(deployment('web', 'ns', false))
    const result = await run(checked(), upgrade, f)
    expect(result).toMatchObject({ status: 'failed', health: 'unhealthy', revision: 2 })
    expect(result.error).toBe(
      unhealthyError('; the release stays as helm left it (atomic: true rolls it back)')
    )
    expect(result.notes).toEqual(['release options: timeout 0s, health-checked', ...reasons])
    expect(f.helm.brief()).toEqual(['upgrade ns/web'])
    expect(postHooks(f)).toEqual([])
    expect(f.kube.patches).toEqual([])
  })

  it('unhealthy with atomic: rolled back to the last deployed revision, which is quarantined', async () => {
    const f = gated(deployment('web', 'ns', false))
    const result = await run(checked({ atomic: true }), upgrade, f)
    expect(result.error).toBe(unhealthyError('; rolled back to revision 1'))
    expect(f.helm.brief()).toEqual(['upgrade ns/web', 'rollback ns/web 1'])
    expect(postHooks(f)).toEqual([])
    // The rollback made revision 3: it remembers the digest that failed.
    expect(f.kube.patches).toEqual([
      {
        path: secretPath(3),
        patch: { metadata: { labels: { [LABELS.quarantined]: quarantineLabel(DIGEST, 3) } } }
      }
    ])
    expect(result.notes).toEqual([
      'release options: atomic on, timeout 0s, health-checked',
      ...reasons,
      'rolled back to revision 1 after the failed health check (atomic)',
      'quarantined: re-syncs and drift corrections do not apply plan digest dddddddddddd again until the plan changes (retry-quarantined: true applies it anyway)'
    ])
  })

  it('unhealthy with atomic on a first install: uninstalled, nothing to quarantine', async () => {
    const f = gated(deployment('web', 'ns', false))
    const result = await run(checked({ atomic: true }), install, f)
    expect(f.helm.brief()).toEqual(['install ns/web', 'uninstall ns/web'])
    expect(result.error).toContain('; uninstalled (atomic, a first install)')
    expect(result.notes).toContain(
      'uninstalled after the failed health check (atomic, a first install)'
    )
    expect(f.kube.patches).toEqual([])
  })

  it('an API error while reading: the plan fails with it; atomic rolls back, nothing is quarantined', async () => {
    const denied = new KubeApiError(
      'the Kubernetes API answered 403 to GET /apis/apps/v1/namespaces/ns/deployments/web: forbidden',
      403
    )
    const f = gated(denied)
    const result = await run(checked({ atomic: true }), upgrade, f)
    expect(result).toMatchObject({ status: 'failed', health: 'unhealthy' })
    expect(result.error).toBe(
      "s/a/ns/web.yaml: health check: the release's objects could not be read (the Kubernetes API answered 403 to GET /apis/apps/v1/namespaces/ns/deployments/web: forbidden); post-upgrade hooks were not run; rolled back to revision 1; check that the workflow's kubeconfig may list them"
    )
    expect(result.notes).toContain(
      'health: could not read: the Kubernetes API answered 403 to GET /apis/apps/v1/namespaces/ns/deployments/web: forbidden'
    )
    expect(f.helm.brief()).toEqual(['upgrade ns/web', 'rollback ns/web 1'])
    expect(f.kube.patches).toEqual([])
  })

  it('no API client for the setup: the plan fails before anything is applied', async () => {
    const f = gated(deployment('web', 'ns', true))
    const context = { ...f.context, cluster: { kubeconfig: '/k', client: undefined } }
    const result = await act(checked(), upgrade, DIGEST, context, new PlanLog('t'))
    expect(result).toMatchObject({ status: 'failed', health: null })
    expect(result.error).toContain(
      'no API client could be built from the kubeconfig of setup s/a; nothing was applied'
    )
    expect(f.helm.brief()).toEqual([])
  })

  it('where marking is withheld (the release Secrets could not be listed), the health is read all the same', async () => {
    const f = gated(deployment('web', 'ns', true))
    const context = {
      ...f.context,
      cluster: { kubeconfig: '/k', client: undefined, reader: f.kube }
    }
    const result = await act(checked(), upgrade, DIGEST, context, new PlanLog('t'))
    expect(result).toMatchObject({ status: 'succeeded', health: 'healthy' })
    expect(f.kube.patches).toEqual([])
  })

  it.each([
    [
      'helm failing on a health-checked plan with atomic: the revision it left is rolled back, as helm would',
      JSON.stringify([
        { revision: 1, status: 'superseded', description: 'x' },
        { revision: 2, status: 'failed', description: 'Upgrade failed' }
      ]),
      ['upgrade ns/web', 'history ns/web', 'rollback ns/web 1'],
      's/a/ns/web.yaml: admission webhook denied it; rolled back to revision 1'
    ],
    [
      'helm failing before it made a revision: nothing to roll back',
      JSON.stringify([{ revision: 1, status: 'deployed', description: 'x' }]),
      ['upgrade ns/web', 'history ns/web'],
      's/a/ns/web.yaml: admission webhook denied it; helm left no revision to roll back'
    ]
  ])('%s', async (_name, history, calls, error) => {
    const f = gated(deployment('web', 'ns', true))
    const context = {
      ...f.context,
      helm: fakeHelm({ upgrade: new Error('admission webhook denied it'), history })
    }
    const result = await act(checked({ atomic: true }), upgrade, DIGEST, context, new PlanLog('t'))
    expect((context.helm as FakeHelm).brief()).toEqual(calls)
    expect(result).toMatchObject({ status: 'failed', health: null, error })
    expect(f.kube.patches).toEqual([])
  })

  it('a plan without health: not checked, health null, nothing read', async () => {
    const f = gated(deployment('web', 'ns', false))
    const result = await run(applyStep(), upgrade, f)
    expect(result).toMatchObject({ status: 'succeeded', health: null })
    expect(f.kube.gets).toEqual([])
  })
})

describe('act: retry-hooks', () => {
  const retry: Decision = { kind: 'retry-hooks', operation: 'upgrade', revision: 5, note: 'again' }
  it('runs only the post-hooks, then marks the revision finished', async () => {
    const f = fixture()
    const result = await run(applyStep(withHooks({ 'post-upgrade': ['post.sh'] })), retry, f)
    expect(f.helm.calls).toEqual([])
    expect(f.hooks.calls.map((c) => c.name)).toEqual(['post-upgrade'])
    expect(brief(result)).toEqual({
      operation: 'upgrade',
      status: 'succeeded',
      revision: 5,
      error: null
    })
    expect(result.notes).toContain('post-upgrade hooks succeeded on revision 5')
    expect(f.kube.patches.map((p) => p.path)).toEqual([secretPath(5)])
  })
  it('needs the digest it marks', async () => {
    const f = fixture()
    await expect(act(applyStep(), retry, undefined, f.context, new PlanLog('t'))).rejects.toThrow(
      'does not fit'
    )
  })
})

describe('act: uninstall', () => {
  it('helm uninstall alone when the plan had no uninstall hooks', async () => {
    const f = fixture()
    const result = await run(uninstallStep(), { kind: 'uninstall', notes: [] }, f)
    expect(brief(result)).toEqual({
      operation: 'uninstall',
      status: 'succeeded',
      revision: null,
      error: null
    })
    expect(f.helm.brief()).toEqual(['uninstall ns/web'])
  })
  it("its hooks run around helm, from the base commit's files", async () => {
    const f = fixture()
    const step = uninstallStep({ 'pre-uninstall': ['pre.sh'], 'post-uninstall': ['post.sh'] })
    await run(step, { kind: 'uninstall', notes: [] }, f)
    expect(f.hooks.calls.map((c) => [c.name, c.workspace])).toEqual([
      ['pre-uninstall', '/commits/bbbbbbb'],
      ['post-uninstall', '/commits/bbbbbbb']
    ])
    expect(f.helm.brief()).toEqual(['uninstall ns/web'])
  })
  it('a failed pre-uninstall hook: helm uninstall is not run', async () => {
    const f = fixture({
      hooks: fakeHooks({ 'pre-uninstall': new Error('pre-uninstall hook pre.sh exited with 1') })
    })
    const result = await run(
      uninstallStep({ 'pre-uninstall': ['pre.sh'] }),
      { kind: 'uninstall', notes: [] },
      f
    )
    expect(result.error).toContain('helm uninstall was not run')
    expect(f.helm.calls).toEqual([])
  })
  it('a base commit whose files cannot be written: nothing runs', async () => {
    const f = fixture()
    const context = { ...f.context, commitFiles: () => Promise.reject(new Error('no such commit')) }
    const step = uninstallStep({ 'pre-uninstall': ['pre.sh'] })
    const result = await act(
      step,
      { kind: 'uninstall', notes: [] },
      undefined,
      context,
      new PlanLog('t')
    )
    expect(result.error).toContain(
      'could not be written: no such commit; helm uninstall was not run'
    )
    expect(f.helm.calls).toEqual([])
  })
  it('a pruned orphan is reported corrected', async () => {
    const f = fixture()
    const result = await run(
      uninstallStep(),
      { kind: 'uninstall', notes: ['orphan'], drift: { state: 'orphan', objects: [] } },
      f
    )
    expect(result.drift).toEqual({ state: 'orphan', objects: [], corrected: true })
  })
})

describe('act: render (a preview)', () => {
  it('helm template of the chart, no cluster', async () => {
    const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n'
    const f = fixture({ helm: fakeHelm({ template: manifest }), noCluster: true })
    const result = await run(applyStep(), { kind: 'render' }, f, undefined)
    expect(f.helm.brief()).toEqual(['template ns/web'])
    expect(brief(result)).toEqual({
      operation: 'render',
      status: 'planned',
      revision: null,
      error: null
    })
    expect(result.notes[0]).toBe('renders 1 object(s)')
  })
})

describe('helm release JSON, as the fakes answer', () => {
  it('is what parseRelease reads', () => {
    expect(JSON.parse(releaseJson(3, '2.0.0'))).toEqual({
      version: 3,
      chart: { metadata: { version: '2.0.0' } }
    })
  })
})
