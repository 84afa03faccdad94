import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { LABELS } from '../../../src/engine/marker.ts'
import { ownershipSignature } from '../../../src/engine/ownership.ts'
import type { ClusterPort } from '../../../src/engine/ports.ts'
import type { HealthInput, HealthReport } from '../../../src/health/check.ts'
import { runEngine } from '../../../src/engine/run.ts'
import { goDuration } from '../../../src/engine/waves.ts'
import { DEFAULT_REMOVAL } from '../../../src/plan/plan-options.ts'
import type { Config } from '../../../src/types/config.ts'
import type { DeploymentPlan, PlannedStep, RunKind, RunKindName } from '../../../src/types/plan.ts'
import type { Result } from '../../../src/types/results.ts'
import { testConfig } from '../../support/config.ts'
import { resetCore } from '../../support/fakes/core.ts'
import {
  fakeHelm,
  fakeHooks,
  releaseJson,
  type Answer,
  type FakeCall,
  type FakeHelm,
  type HelmOperation
} from '../../support/fakes/helm.ts'
import { fakeKube, type FakeKube } from '../../support/fakes/kube.ts'
import { webSpec } from '../../support/plan-spec.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))
beforeEach(resetCore)

/** The health read the soak calls: what it was asked, and what it answers (healthy by default). */
const health = vi.hoisted(() => ({
  asked: [] as HealthInput[],
  answer: undefined as ((input: HealthInput) => Promise<HealthReport>) | undefined
}))
vi.mock('../../../src/health/check.ts', () => ({
  checkHealth: (input: HealthInput): Promise<HealthReport> => {
    health.asked.push(input)
    return health.answer?.(input) ?? Promise.resolve(healthReport('healthy', []))
  }
}))
/** A health report as checkHealth makes it, of one object. */
function healthReport(verdict: HealthReport['health'], notes: string[]): HealthReport {
  const healthy = verdict === 'healthy'
  return {
    health: verdict,
    notes,
    outcome: healthy ? 'current' : 'timeout',
    notCurrent: healthy ? [] : ['Deployment/a'],
    objects: 1,
    reads: 1,
    requests: 1
  }
}
/** The soak's re-reads (timeout 0), apart from the health gate's after each install. */
const soaked = (): HealthInput[] => health.asked.filter((h) => h.timeoutMs === 0)
beforeEach(() => {
  health.asked.length = 0
  health.answer = undefined
})

// The one scheduler, with typed fakes of helm, hooks and the cluster: setups in
// parallel, `needs` order, `parallel-plans`, fail-fast, cancellation, and a drift
// check as a run kind of the same engine (its orphans planned as uninstalls).

const SHA = 'a'.repeat(40)
const KEY = 'k'.repeat(32)
const target = (setup: string, release: string, namespace = 'ns') => ({
  setup,
  namespace,
  release,
  plan: `${setup}/${namespace}/${release}.yaml`
})
const apply = (setup: string, release: string, needs: string[] = []): PlannedStep => ({
  action: 'apply',
  target: target(setup, release),
  reasons: [],
  spec: webSpec({ chart: { kind: 'local', path: 'charts/web' }, chartText: './charts/web', needs })
})
const removed = (setup: string, release: string, needs: string[] = []): PlannedStep => ({
  action: 'uninstall',
  target: target(setup, release),
  reasons: [],
  needs,
  removal: DEFAULT_REMOVAL
})
const planOf = (setups: Record<string, PlannedStep[]>): DeploymentPlan => ({
  sha: SHA,
  setups: Object.entries(setups).map(([setup, steps]) => ({ setup, steps })),
  problems: [],
  waves: [Object.keys(setups)],
  repositories: [],
  runKind: { kind: 'deploy' }
})

/** A helm whose install and upgrade take a while, with what ran at once and in which order. */
function slowHelm(script: Partial<Record<HelmOperation, Answer>> = {}) {
  const events: string[] = []
  let active = 0
  let most = 0
  const slow =
    (answer: string | Error) =>
    async (call: FakeCall): Promise<string> => {
      active++
      most = Math.max(most, active)
      events.push(`start ${call.target.release}`)
      await new Promise((resolve) => setTimeout(resolve, 15))
      events.push(`end ${call.target.release}`)
      active--
      if (answer instanceof Error) throw answer
      return answer
    }
  const helm = fakeHelm({
    install: slow(releaseJson(1)),
    uninstall: slow(''),
    ...script
  })
  return { helm, events, most: () => most }
}

/** Every setup's cluster: an API client (`kube`), none, or a kubeconfig that cannot be had. */
function clusters(kube: (setup: string) => FakeKube | undefined | Error): ClusterPort & {
  connected: string[]
} {
  const connected: string[] = []
  return {
    connected,
    connect: (setup) => {
      connected.push(setup)
      const client = kube(setup)
      if (client instanceof Error) return Promise.reject(client)
      return Promise.resolve({ kubeconfig: `/kube/${setup}`, client })
    }
  }
}

/** The run kind of that name, with nothing else asked of the run. */
const runKindNamed = (kind: RunKindName): RunKind =>
  kind === 'preview'
    ? { kind, pullRequest: undefined }
    : kind === 'drift-report' || kind === 'drift-correct'
      ? { kind, failOnDrift: false, pruneWithoutKey: false, issues: false }
      : { kind }

function engine(
  plan: DeploymentPlan,
  options: {
    helm: FakeHelm
    cluster?: ClusterPort
    config?: Partial<Config>
    runKind?: RunKindName
    signal?: AbortSignal
  }
): Promise<Result[]> {
  const workspace = mkdtempSync(join(tmpdir(), 'run-'))
  return runEngine({
    plan: { ...plan, runKind: runKindNamed(options.runKind ?? 'deploy') },
    config: testConfig({ workspace, kubeconfigStoreUrl: undefined, ...options.config }),
    helm: { path: '/fake/helm', version: 'v4.0.0', major: 4 },
    run: '42',
    signal: options.signal ?? new AbortController().signal,
    ports: {
      helm: options.helm,
      hooks: fakeHooks(),
      cluster: options.cluster ?? clusters(() => undefined),
      // The commit's files, as git would write them: the workspace itself here.
      commits: () => Promise.resolve(workspace)
    }
  })
}

const outcome = (results: readonly Result[]) =>
  results.map((r) => `${r.release}: ${r.operation ?? '-'} ${r.status}`)

describe('runEngine: the scheduler', () => {
  it.each([
    [1, 1],
    [2, 2]
  ])('setups in parallel: parallel %i → at most %i at once', async (parallel, expected) => {
    const slow = slowHelm()
    const results = await engine(
      planOf({
        's/a': [apply('s/a', 'a')],
        's/b': [apply('s/b', 'b')],
        's/c': [apply('s/c', 'c')]
      }),
      { helm: slow.helm, config: { parallel, parallelPlans: 1 } }
    )
    expect(outcome(results)).toEqual([
      'a: install succeeded',
      'b: install succeeded',
      'c: install succeeded'
    ])
    expect(slow.most()).toBe(expected)
  })

  it.each([
    ['deploy', 1],
    ['resync', 0]
  ] as const)(
    "a %s sets up %i chart repositories before the setup's cluster is reached",
    async (runKind, before) => {
      const helm = slowHelm().helm
      const seen: number[] = []
      const step: PlannedStep = {
        action: 'apply',
        target: target('s/a', 'a'),
        reasons: [],
        spec: webSpec()
      }
      const plan = {
        ...planOf({ 's/a': [step] }),
        repositories: [{ name: 'stable', url: 'https://charts.example/stable' }]
      }
      const cluster = clusters(() => undefined)
      const results = await engine(plan, {
        helm,
        runKind,
        cluster: {
          connect: (setup) => {
            seen.push(helm.chartCalls.length)
            return cluster.connect(setup)
          }
        }
      })
      expect(seen).toEqual([before])
      expect(outcome(results)).toEqual(['a: install succeeded'])
      expect(helm.chartCalls.map((c) => c.operation)).toEqual(['repo-add'])
    }
  )

  it('parallel-plans within a setup, needs first', async () => {
    const slow = slowHelm()
    const results = await engine(
      planOf({ 's/a': [apply('s/a', 'b', ['ns/a']), apply('s/a', 'a'), apply('s/a', 'c')] }),
      { helm: slow.helm, config: { parallelPlans: 3 } }
    )
    expect(outcome(results)).toEqual([
      'b: install succeeded',
      'a: install succeeded',
      'c: install succeeded'
    ])
    expect(slow.events.indexOf('end a')).toBeLessThan(slow.events.indexOf('start b'))
    expect(slow.most()).toBe(2)
  })

  it('a plan whose need failed is not run', async () => {
    const helm = fakeHelm({
      install: (call) =>
        call.target.release === 'a'
          ? Promise.reject(new Error('helm install failed: boom'))
          : Promise.resolve(releaseJson(1))
    })
    const results = await engine(
      planOf({ 's/a': [apply('s/a', 'a'), apply('s/a', 'b', ['ns/a'])] }),
      {
        helm
      }
    )
    expect(outcome(results)).toEqual(['a: install failed', 'b: - skipped'])
    expect(results[1]?.notes).toEqual(['not run: it needs ns/a, which did not succeed'])
  })

  it('uninstalls first, each after the removed plans that needed it', async () => {
    // db and app are releases of this action (the marker in the description), new is absent.
    const ours = JSON.stringify([
      { revision: 1, status: 'deployed', description: `gitops-action ${SHA} s/a/ns/x.yaml` }
    ])
    const slow = slowHelm({
      history: (call) => Promise.resolve(call.target.release === 'new' ? undefined : ours)
    })
    const results = await engine(
      planOf({
        's/a': [apply('s/a', 'new'), removed('s/a', 'db'), removed('s/a', 'app', ['ns/db'])]
      }),
      { helm: slow.helm, config: { parallelPlans: 4 } }
    )
    expect(outcome(results)).toEqual([
      'db: uninstall succeeded',
      'app: uninstall succeeded',
      'new: install succeeded'
    ])
    expect(slow.events).toEqual([
      'start app',
      'end app',
      'start db',
      'end db',
      'start new',
      'end new'
    ])
  })

  it.each([
    [true, ['a: install failed', 'b: - skipped', 'c: - skipped']],
    [false, ['a: install failed', 'b: install succeeded', 'c: install succeeded']]
  ])('fail-fast %s', async (failFast, expected) => {
    const helm = fakeHelm({
      install: (call) =>
        call.target.release === 'a'
          ? Promise.reject(new Error('helm install failed: boom'))
          : Promise.resolve(releaseJson(1))
    })
    const results = await engine(
      planOf({ 's/a': [apply('s/a', 'a'), apply('s/a', 'b')], 's/b': [apply('s/b', 'c')] }),
      { helm, config: { failFast, parallel: 1, parallelPlans: 1 } }
    )
    expect(outcome(results)).toEqual(expected)
    if (failFast)
      expect(results[1]?.notes).toEqual(['not run: fail-fast after s/a/ns/a.yaml failed'])
  })

  it('cancellation: what has not started is not run', async () => {
    const controller = new AbortController()
    const helm = fakeHelm({
      install: () => {
        controller.abort()
        return Promise.resolve(releaseJson(1))
      }
    })
    const cluster = clusters(() => undefined)
    const results = await engine(
      planOf({ 's/a': [apply('s/a', 'a'), apply('s/a', 'b')], 's/b': [apply('s/b', 'c')] }),
      { helm, cluster, signal: controller.signal, config: { parallel: 1, parallelPlans: 1 } }
    )
    expect(outcome(results)).toEqual(['a: install succeeded', 'b: - skipped', 'c: - skipped'])
    expect(results[2]?.notes).toEqual(['not run: the run was cancelled'])
    expect(cluster.connected).toEqual(['s/a'])
  })

  it('a setup whose cluster cannot be had fails its plans; the others go on', async () => {
    const helm = fakeHelm()
    const results = await engine(
      planOf({ 's/a': [apply('s/a', 'a')], 's/b': [apply('s/b', 'b')] }),
      {
        helm,
        cluster: clusters((setup) => (setup === 's/a' ? new Error('store unreachable') : undefined))
      }
    )
    expect(outcome(results)).toEqual(['a: - failed', 'b: install succeeded'])
    expect(results[0]?.error).toBe('s/a/ns/a.yaml: store unreachable')
  })

  it('a release observe could not read fails its plan alone', async () => {
    const helm = fakeHelm({
      history: (call) =>
        call.target.release === 'a'
          ? Promise.reject(new Error('helm history failed: timeout'))
          : Promise.resolve(undefined)
    })
    const results = await engine(planOf({ 's/a': [apply('s/a', 'a'), apply('s/a', 'b')] }), {
      helm
    })
    expect(outcome(results)).toEqual(['a: - failed', 'b: install succeeded'])
    expect(helm.brief()).toEqual(['history ns/a', 'history ns/b', 'install ns/b'])
  })

  it('a preview asks no cluster: helm template only', async () => {
    const helm = fakeHelm()
    const cluster = clusters(() => undefined)
    const results = await engine(planOf({ 's/a': [apply('s/a', 'a'), removed('s/a', 'b')] }), {
      helm,
      cluster,
      runKind: 'preview'
    })
    expect(outcome(results)).toEqual(['b: uninstall planned', 'a: render planned'])
    expect(helm.brief()).toEqual(['template ns/a'])
    expect(cluster.connected).toEqual([])
  })
})

describe('runEngine: a drift check is a run kind of the same engine', () => {
  const secret = (release: string, version: number, labels: Record<string, string> = {}) => ({
    metadata: {
      name: `sh.helm.release.v1.${release}.v${version}`,
      labels: {
        owner: 'helm',
        name: release,
        version: String(version),
        status: 'deployed',
        [LABELS.managed]: 'true',
        [LABELS.commit]: 'c'.repeat(40),
        [LABELS.digest]: 'd',
        ...labels
      }
    }
  })
  const listPath = `/api/v1/namespaces/ns/secrets?labelSelector=owner%3Dhelm`
  const signed = ownershipSignature(KEY, {
    namespace: 'ns',
    release: 'gone',
    revision: 2,
    digest: 'd'
  })
  const kubeObjects = () => ({
    [listPath]: { items: [secret('web', 1), secret('gone', 2, { [LABELS.signature]: signed })] }
  })
  const kube = () => fakeKube(kubeObjects())
  const plan = () => planOf({ 's/a': [apply('s/a', 'web'), apply('s/a', 'db')] })

  it('report: compared, missing reported, the orphan reported, nothing changed', async () => {
    const helm = fakeHelm()
    const results = await engine(plan(), {
      helm,
      cluster: clusters(() => kube()),
      runKind: 'drift-report'
    })
    expect(results.map((r) => `${r.release}: ${r.status} ${r.drift?.state ?? '-'}`)).toEqual([
      'web: unchanged in-sync',
      'db: unchanged release-missing',
      'gone: unchanged orphan'
    ])
    expect(results[2]?.notes).toEqual([
      'orphan: no plan declares ns/gone (deployed by cccccccccccc, revision 2)',
      'prune: true uninstalls it'
    ])
    expect(helm.brief()).toEqual(['manifest ns/web'])
  })

  it('correct with prune: the missing release installed, the orphan provably ours uninstalled', async () => {
    const helm = fakeHelm()
    const results = await engine(plan(), {
      helm,
      cluster: clusters(() => kube()),
      runKind: 'drift-correct',
      config: { prune: true, ownershipKey: KEY }
    })
    expect(
      results.map(
        (r) =>
          `${r.release}: ${r.operation ?? '-'} ${r.status} ${r.drift?.state ?? '-'} ${r.drift?.corrected ?? '-'}`
      )
    ).toEqual([
      'web: - unchanged in-sync false',
      'db: install succeeded release-missing true',
      'gone: uninstall succeeded orphan true'
    ])
    expect(helm.brief()).toEqual([
      'manifest ns/web',
      'install ns/db',
      'manifest ns/db',
      'manifest ns/gone',
      'hooks ns/gone',
      'uninstall ns/gone'
    ])
  })

  it('with the plans input set no orphans are looked for', async () => {
    const results = await engine(plan(), {
      helm: fakeHelm(),
      cluster: clusters(() => kube()),
      runKind: 'drift-report',
      config: { plans: ['s/a/ns/web.yaml'] }
    })
    expect(results.map((r) => r.release)).toEqual(['web', 'db'])
  })

  it('fail-fast stops the orphans too', async () => {
    const results = await engine(plan(), {
      helm: fakeHelm({ manifest: new Error('helm get manifest failed: boom') }),
      cluster: clusters(() => kube()),
      runKind: 'drift-report',
      config: { failFast: true, parallelPlans: 1 }
    })
    expect(results.map((r) => `${r.release}: ${r.status}`)).toEqual([
      'web: failed',
      'db: skipped',
      'gone: skipped'
    ])
  })

  it('without an API client the setup fails: live objects are read through it', async () => {
    const results = await engine(plan(), {
      helm: fakeHelm(),
      cluster: clusters(() => undefined),
      runKind: 'drift-report'
    })
    expect(results.map((r) => r.error)).toEqual([
      's/a/ns/web.yaml: setup s/a: a drift check reads the live objects through the API server, and no client could be built from its kubeconfig',
      's/a/ns/db.yaml: setup s/a: a drift check reads the live objects through the API server, and no client could be built from its kubeconfig'
    ])
  })

  it('an orphan listing that failed fails the setup', async () => {
    const results = await engine(plan(), {
      helm: fakeHelm(),
      cluster: clusters(() => fakeKube({ [listPath]: new Error('forbidden') })),
      runKind: 'drift-report'
    })
    expect(results.map((r) => `${r.release}: ${r.status} ${r.error ?? ''}`)).toEqual([
      'web: failed s/a/ns/web.yaml: forbidden',
      'db: failed s/a/ns/db.yaml: forbidden'
    ])
  })

  describe('live objects, compared through discovery', () => {
    const manifest = (value: string) =>
      `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "${value}"\n`
    const discovery = {
      '/api/v1': {
        resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }]
      },
      '/apis/rbac.authorization.k8s.io/v1': {
        resources: [{ name: 'clusterroles', kind: 'ClusterRole', namespaced: false }]
      }
    }
    const configMapPath = '/api/v1/namespaces/ns/configmaps/web'
    const configMap = (value: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web', namespace: 'ns' },
      data: { a: value }
    })
    const live = (
      value: string | undefined
    ): { kube: FakeKube; objects: Record<string, unknown> } => {
      const objects: Record<string, unknown> = {
        ...discovery,
        [listPath]: { items: [secret('web', 1)] },
        ...(value !== undefined && { [configMapPath]: configMap(value) })
      }
      return { kube: fakeKube(objects), objects }
    }
    const single = () => planOf({ 's/a': [apply('s/a', 'web')] })

    it.each<[string, RunKindName, string | undefined, 3 | 4, boolean, string, string[]]>([
      ['in sync', 'drift-correct', '1', 4, true, 'unchanged in-sync false', ['manifest ns/web']],
      [
        'a field changed, reported',
        'drift-report',
        '2',
        4,
        true,
        'unchanged drifted false',
        ['manifest ns/web']
      ],
      [
        'a field changed, taken back (Helm 4 asks how it was applied first), read back',
        'drift-correct',
        '2',
        4,
        true,
        'succeeded drifted true',
        ['manifest ns/web', 'status ns/web', 'upgrade ns/web', 'manifest ns/web']
      ],
      [
        'an object deleted, re-created, read back',
        'drift-correct',
        undefined,
        4,
        true,
        'succeeded drifted true',
        ['manifest ns/web', 'status ns/web', 'upgrade ns/web', 'manifest ns/web']
      ],
      [
        'a field helm left as it was (Helm 3, a custom resource): failed, not corrected',
        'drift-correct',
        '2',
        3,
        false,
        'failed drifted false',
        ['manifest ns/web', 'upgrade ns/web', 'manifest ns/web']
      ]
    ])('%s', async (_name, runKind, value, major, takesBack, expected, calls) => {
      const cluster = live(value)
      const helm = fakeHelm(
        {
          manifest: manifest('1'),
          upgrade: () => {
            if (takesBack) cluster.objects[configMapPath] = configMap('1')
            return Promise.resolve(releaseJson(2))
          }
        },
        { path: `/fake/helm${major}`, major }
      )
      const results = await engine(single(), {
        helm,
        cluster: clusters(() => cluster.kube),
        runKind
      })
      const [web] = results
      expect(`${web?.status} ${web?.drift?.state} ${web?.drift?.corrected}`).toBe(expected)
      expect(helm.brief()).toEqual(calls)
      if (value === '2')
        expect(web?.drift?.objects).toEqual([
          {
            object: 'ConfigMap/ns/web',
            state: 'drifted',
            fields: [{ path: '/data/a', want: '1', have: '2' }]
          }
        ])
    })

    it('an orphan provably ours that holds a cluster-scoped object is reported, never pruned', async () => {
      const helm = fakeHelm({
        manifest: (call) =>
          Promise.resolve(
            call.target.release === 'gone'
              ? 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: admin\n'
              : ''
          )
      })
      const results = await engine(plan(), {
        helm,
        cluster: clusters(() => fakeKube({ ...discovery, ...kubeObjects() })),
        runKind: 'drift-correct',
        config: { prune: true, ownershipKey: KEY }
      })
      const gone = results.find((r) => r.release === 'gone')
      expect(gone).toMatchObject({ operation: null, status: 'unchanged' })
      expect(gone?.notes[1]).toContain('holds objects outside namespace ns (ClusterRole/admin)')
      expect(helm.brief()).not.toContain('uninstall ns/gone')
    })
  })
})

describe('runEngine: a deploy rolls out wave after wave', () => {
  /** An apply step whose release is health-checked (its setup is named in `waves`). */
  const checked = (setup: string, release: string): PlannedStep => {
    const step = apply(setup, release)
    if (step.action !== 'apply') throw new Error('an apply step')
    const { options } = step.spec
    return {
      ...step,
      spec: { ...step.spec, options: { ...options, health: { ...options.health, enable: true } } }
    }
  }
  const inWaves = (
    setups: Record<string, PlannedStep[]>,
    waves: string[][],
    problems: DeploymentPlan['problems'] = []
  ): DeploymentPlan => ({ ...planOf(setups), waves, problems })
  /** Setups with an API client that lists no release. */
  const listed = () => {
    const kubes: FakeKube[] = []
    const port = clusters(() => {
      const kube = fakeKube({
        '/api/v1/namespaces/ns/secrets?labelSelector=owner%3Dhelm': { items: [] }
      })
      kubes.push(kube)
      return kube
    })
    return { port, kubes }
  }
  const failing = (release: string) =>
    fakeHelm({
      install: (call) =>
        call.target.release === release
          ? Promise.reject(new Error('helm install failed: boom'))
          : Promise.resolve(releaseJson(1))
    })

  it('a wave starts when the one before ended; its setups run together', async () => {
    const slow = slowHelm()
    const results = await engine(
      inWaves(
        { 's/a': [apply('s/a', 'a')], 's/b': [apply('s/b', 'b')], 's/c': [apply('s/c', 'c')] },
        [['s/a'], ['s/b', 's/c']]
      ),
      { helm: slow.helm, config: { parallel: 4 } }
    )
    expect(outcome(results)).toEqual([
      'a: install succeeded',
      'b: install succeeded',
      'c: install succeeded'
    ])
    expect(slow.events.slice(0, 3)).toEqual(['start a', 'end a', 'start b'])
    expect(slow.most()).toBe(2)
  })

  it('a failed wave: the later ones are skipped, naming the wave and setup, their clusters never asked', async () => {
    const cluster = clusters(() => undefined)
    const results = await engine(
      inWaves(
        {
          's/a': [apply('s/a', 'a'), apply('s/a', 'x')],
          's/b': [apply('s/b', 'b')],
          's/c': [apply('s/c', 'c')]
        },
        [['s/a'], ['s/b'], ['s/c']]
      ),
      { helm: failing('a'), cluster }
    )
    expect(outcome(results)).toEqual([
      'a: install failed',
      'x: install succeeded',
      'b: - skipped',
      'c: - skipped'
    ])
    expect(results[2]?.notes).toEqual([
      'not run: wave 1 failed (setup s/a: s/a/ns/a.yaml failed); the next run deploys it'
    ])
    expect(results[3]?.notes).toEqual(results[2]?.notes)
    expect(cluster.connected).toEqual(['s/a'])
  })

  it('a plan file that could not be read stops the rollout at its wave', async () => {
    const problem = {
      target: target('s/a', 'bad'),
      problem: { file: 's/a/ns/bad.yaml', line: 1, message: 'not YAML' }
    }
    const results = await engine(
      inWaves(
        { 's/a': [apply('s/a', 'a')], 's/b': [apply('s/b', 'b')] },
        [['s/a'], ['s/b']],
        [problem]
      ),
      { helm: fakeHelm() }
    )
    expect(outcome(results)).toEqual(['a: install succeeded', 'b: - skipped'])
    expect(results[1]?.notes).toEqual([
      'not run: wave 1 failed (setup s/a: s/a/ns/bad.yaml failed); the next run deploys it'
    ])
  })

  it('the soak: the health-checked releases of the wave are read again, once, before the next wave', async () => {
    const helm = fakeHelm({ manifest: 'kind: ConfigMap\n' })
    const { port, kubes } = listed()
    const results = await engine(
      inWaves(
        { 's/a': [checked('s/a', 'a'), apply('s/a', 'plain')], 's/b': [checked('s/b', 'b')] },
        [['s/a'], ['s/b']]
      ),
      { helm, cluster: port, config: { waveSoakMs: 20 } }
    )
    expect(outcome(results)).toEqual([
      'a: install succeeded',
      'plain: install succeeded',
      'b: install succeeded'
    ])
    // The health gate read a and b after their installs; the soak reads a once more,
    // before b is installed. The last wave is not soaked: nothing waits for it.
    const calls = helm.brief().filter((c) => !c.startsWith('history'))
    expect(calls.filter((c) => c.startsWith('install'))).toEqual([
      'install ns/a',
      'install ns/plain',
      'install ns/b'
    ])
    expect(calls.lastIndexOf('manifest ns/a')).toBeLessThan(calls.indexOf('install ns/b'))
    expect(helm.calls.find((c) => c.operation === 'manifest')?.env.KUBECONFIG).toBe('/kube/s/a')
    expect(soaked().map((h) => [h.namespace, h.manifest, h.timeoutMs, h.check.enable])).toEqual([
      ['ns', 'kind: ConfigMap\n', 0, true]
    ])
    expect(soaked()[0]?.client).toBe(kubes[0])
    expect(health.asked.filter((h) => h.timeoutMs > 0)).toHaveLength(2)
    expect(kubes.map((k) => k.closed)).toEqual([true, true])
  })

  it.each<[string, Partial<{ answer: HealthReport | Error; noClient: boolean }>, string]>([
    [
      'unhealthy',
      {
        answer: healthReport('unhealthy', [
          'Deployment/a: 0 of 1 replicas available',
          'FailedScheduling: 0/1 nodes'
        ])
      },
      's/a/ns/a.yaml: unhealthy after the wave-soak of 20ms: Deployment/a: 0 of 1 replicas available; FailedScheduling: 0/1 nodes'
    ],
    [
      'an API error fails safe',
      { answer: new Error('GET deployments: 503 Service Unavailable') },
      's/a/ns/a.yaml: unhealthy after the wave-soak of 20ms: its health could not be read: GET deployments: 503 Service Unavailable'
    ],
    [
      'no API client: the health gate fails the plan before helm runs',
      { noClient: true },
      's/a/ns/a.yaml: the plan is health-checked, which reads its objects through the API server, and no API client could be built from the kubeconfig of setup s/a; nothing was applied'
    ]
  ])(
    'after the soak, %s: the release fails, the later waves are skipped',
    async (_name, given, error) => {
      const answer = given.answer
      // The gate after the install finds it healthy; the soak's re-read answers as given.
      if (answer)
        health.answer = (input) =>
          input.timeoutMs > 0
            ? Promise.resolve(healthReport('healthy', []))
            : answer instanceof Error
              ? Promise.reject(answer)
              : Promise.resolve(answer)
      const cluster = given.noClient ? clusters(() => undefined) : listed().port
      const results = await engine(
        inWaves({ 's/a': [checked('s/a', 'a')], 's/b': [checked('s/b', 'b')] }, [['s/a'], ['s/b']]),
        { helm: fakeHelm(), cluster, config: { waveSoakMs: 20 } }
      )
      expect(outcome(results)).toEqual(['a: install failed', 'b: - skipped'])
      expect(results[0]?.error).toBe(error)
      expect(results[1]?.notes).toEqual([
        'not run: wave 1 failed (setup s/a: s/a/ns/a.yaml failed); the next run deploys it'
      ])
    }
  )

  it.each([
    [0, '0s'],
    [20, '20ms'],
    [90_000, '1m30s'],
    [600_000, '10m'],
    [5_400_500, '1h30m500ms']
  ])('a soak of %i ms reads %s', (ms, text) => {
    expect(goDuration(ms)).toBe(text)
  })

  it('cancelled during the soak: nothing re-read, the later waves not run', async () => {
    const controller = new AbortController()
    const helm = fakeHelm({
      install: () => {
        setTimeout(() => controller.abort(), 20)
        return Promise.resolve(releaseJson(1))
      }
    })
    const results = await engine(
      inWaves({ 's/a': [checked('s/a', 'a')], 's/b': [checked('s/b', 'b')] }, [['s/a'], ['s/b']]),
      { helm, cluster: listed().port, signal: controller.signal, config: { waveSoakMs: 600_000 } }
    )
    expect(outcome(results)).toEqual(['a: install succeeded', 'b: - skipped'])
    expect(results[1]?.notes).toEqual(['not run: the run was cancelled'])
    expect(soaked()).toEqual([])
  })

  it('fail-fast still stops the rest of a wave', async () => {
    const results = await engine(
      inWaves({ 's/a': [apply('s/a', 'a'), apply('s/a', 'x')], 's/b': [apply('s/b', 'b')] }, [
        ['s/a'],
        ['s/b']
      ]),
      { helm: failing('a'), config: { failFast: true, parallelPlans: 1 } }
    )
    expect(outcome(results)).toEqual(['a: install failed', 'x: - skipped', 'b: - skipped'])
    expect(results[1]?.notes).toEqual(['not run: fail-fast after s/a/ns/a.yaml failed'])
  })

  it.each<RunKindName>(['preview', 'drift-report'])(
    'a %s ignores waves: a failure in the first leaves the second running',
    async (runKind) => {
      const list = { '/api/v1/namespaces/ns/secrets?labelSelector=owner%3Dhelm': { items: [] } }
      const results = await engine(
        inWaves({ 's/a': [apply('s/a', 'a')], 's/b': [apply('s/b', 'b')] }, [['s/a'], ['s/b']]),
        {
          // A preview renders without a cluster: a's chart fails; a drift check cannot reach a's cluster.
          helm: fakeHelm({
            template: (call) =>
              call.target.release === 'a'
                ? Promise.reject(new Error('render failed'))
                : Promise.resolve('')
          }),
          runKind,
          cluster: clusters((setup) =>
            setup === 's/a' ? new Error('store unreachable') : fakeKube(list)
          )
        }
      )
      expect(results.map((r) => `${r.release}: ${r.status}`)).toEqual([
        'a: failed',
        runKind === 'preview' ? 'b: planned' : 'b: unchanged'
      ])
    }
  )
})
