// Opt-in: four charts nobody here wrote, through the built action on both clusters of
// the bed, Helm 4 on local/a and Helm 3 on local/b: install, values upgrade, a re-run
// that changes nothing, a drift check with no hand edit, a hand edit found, corrected
// and the next check clean, a pull request preview, uninstall. Every run has no
// network beyond 127.0.0.1 (a proxy that does not answer), so vendored dependencies
// must deploy as they are.
//
// The charts are not ours to commit: GITOPS_REAL_CHARTS names a folder outside the
// repository holding them, laid out by scripts/real-charts.sh from these commits:
//   podinfo                stefanprodan/podinfo                  eec06d1ea459af4cb4e10e806f8be7c7bd58b361 (6.14.1)
//   ingress-nginx          kubernetes/ingress-nginx              dbb11b92ddb77bee9c35e462479129354c84f939 (4.15.1)
//   argo-cd                argoproj/argo-helm                    af0a9310bacbaa4636018dfe22c801a6d33a5c43 (10.1.1)
//     charts/redis-ha      DandyDeveloper/charts                 2e2539a8960ead2c268f48bdde3b2cdf2b2f1ac8 (4.38.0, as its Chart.lock)
//   kube-prometheus-stack  prometheus-community/helm-charts      cf408a290aec489277a94450bb3511432477a53a (88.5.3)
//     charts/kube-state-metrics, prometheus-node-exporter, prometheus-windows-exporter: the same commit
//     charts/grafana       grafana-community/helm-charts         3386a1156177c6bcd7fdb1ad4c6b1dda094296e0 (12.11.1)
// Run one chart at a time (the bed is small):
//   GITOPS_REAL_CHARTS=/work/real-charts npx vitest run --project bed __tests__/bed/real-charts.test.ts -t podinfo
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ActionRun, ResultJson } from '../support/action-runner.ts'
import { closedPort } from '../support/fault-servers.ts'
import { repositoryHandlers, writeHandlers } from '../support/github-api-server.ts'
import type { Cluster } from '../support/testbed.ts'
import { act, bed, clusterOf, SETUP_A, SETUP_B, type ActOptions } from '../faults/action.ts'
import { githubApi } from '../faults/github.ts'
import { faultSuite, opsRepo, type Ops } from '../faults/ops.ts'
import { expectSucceeded, expectUnchanged, resultOf } from '../faults/outcomes.ts'

const folder = process.env.GITOPS_REAL_CHARTS

/** One real chart: values the bed can run, a value each step sets, and where it shows. */
interface RealChart {
  readonly name: string
  readonly release: string
  /** The chart's values for a step's `value` (`v1` install, `v2` upgrade, `v3` preview). */
  readonly values: (value: string) => string
  /** Where the cluster shows that value. */
  readonly read: (cluster: Cluster, ns: string) => Promise<string | undefined>
  /** Workloads of vendored dependencies: each must be deployed. */
  readonly vendored: readonly string[]
}

const CHARTS: readonly RealChart[] = [
  {
    name: 'podinfo',
    release: 'podinfo',
    values: (v) => `ui:\n  message: ${v}\n`,
    read: async (cluster, ns) =>
      (await cluster.deployment(ns, 'podinfo'))?.spec?.template.spec?.containers[0]?.env?.find(
        (e) => e.name === 'PODINFO_UI_MESSAGE'
      )?.value,
    vendored: []
  },
  {
    name: 'ingress-nginx',
    release: 'ingress-nginx',
    values: (v) => `controller:\n  config:\n    gitops-step: ${v}\n`,
    read: async (cluster, ns) =>
      (await cluster.configMap(ns, 'ingress-nginx-controller'))?.data?.['gitops-step'],
    vendored: []
  },
  {
    name: 'argo-cd',
    release: 'argo-cd',
    values: (v) => `redis-ha:\n  enabled: true\nconfigs:\n  cm:\n    gitops-step: ${v}\n`,
    read: async (cluster, ns) => (await cluster.configMap(ns, 'argocd-cm'))?.data?.['gitops-step'],
    vendored: ['redis-ha']
  },
  {
    name: 'kube-prometheus-stack',
    release: 'kps',
    values: (v) => `prometheus:\n  prometheusSpec:\n    externalLabels:\n      gitops-step: ${v}\n`,
    read: async (cluster, ns) => {
      const custom = cluster.config.makeApiClient(k8s.CustomObjectsApi)
      const list = (await custom.listNamespacedCustomObject({
        group: 'monitoring.coreos.com',
        version: 'v1',
        namespace: ns,
        plural: 'prometheuses'
      })) as { items: Array<{ spec?: { externalLabels?: Record<string, string> } }> }
      return list.items[0]?.spec?.externalLabels?.['gitops-step']
    },
    vendored: ['grafana', 'kube-state-metrics', 'prometheus-node-exporter']
  }
]

const present = folder ? CHARTS.filter((c) => existsSync(join(folder, c.name, 'Chart.yaml'))) : []

test.skipIf(!folder)(
  'real charts: GITOPS_REAL_CHARTS names a folder of them (unset: this suite does not run; lay them out with scripts/real-charts.sh)',
  () => {
    expect(present.map((c) => c.name)).toEqual(CHARTS.map((c) => c.name))
  }
)

const VARIANTS = [
  { helm: 'Helm 4', setup: SETUP_A, helmBin: bed.helm4 },
  { helm: 'Helm 3', setup: SETUP_B, helmBin: bed.helm3 }
] as const

const suite = faultSuite()
const github = githubApi(suite)
const STEP_MS = 600_000
const RUN_MS = 540_000

interface DriftJson {
  state: string
  corrected: boolean
  objects: Array<{ object: string; state: string; fields: Array<{ path: string }> }>
}
const driftOf = (run: ActionRun, plan: string): DriftJson =>
  (resultOf(run, plan) as ResultJson & { drift: DriftJson }).drift

/** CRDs of the charts' groups that the suite made: gone after it, as helm leaves them. */
const CRD_GROUPS = ['monitoring.coreos.com', 'argoproj.io']
const crdsBefore = new Map<string, Set<string>>()
async function chartCrds(cluster: Cluster): Promise<string[]> {
  const ext = cluster.config.makeApiClient(k8s.ApiextensionsV1Api)
  const list = await ext.listCustomResourceDefinition()
  return list.items
    .filter((crd) => CRD_GROUPS.includes(crd.spec.group))
    .map((crd) => crd.metadata?.name ?? '')
}
beforeAll(async () => {
  if (present.length === 0) return
  for (const { setup } of VARIANTS)
    crdsBefore.set(setup, new Set(await chartCrds(clusterOf(setup))))
})
afterAll(async () => {
  for (const [setup, before] of crdsBefore) {
    const cluster = clusterOf(setup)
    const ext = cluster.config.makeApiClient(k8s.ApiextensionsV1Api)
    for (const name of await chartCrds(cluster))
      if (!before.has(name)) await ext.deleteCustomResourceDefinition({ name })
  }
})

/** Workload names of a namespace (Deployments, StatefulSets, DaemonSets). */
async function workloads(cluster: Cluster, ns: string): Promise<string[]> {
  const [d, s, ds] = await Promise.all([
    cluster.apps.listNamespacedDeployment({ namespace: ns }),
    cluster.apps.listNamespacedStatefulSet({ namespace: ns }),
    cluster.apps.listNamespacedDaemonSet({ namespace: ns })
  ])
  return [...d.items, ...s.items, ...ds.items].map((w) => w.metadata?.name ?? '').sort()
}

for (const chart of present) {
  describe.each(VARIANTS)(`${chart.name} with $helm on $setup`, ({ setup, helmBin }) => {
    const cluster = clusterOf(setup)
    let ops: Ops
    let ns: string
    let plan: string
    let options: ActOptions
    /** The commit deployed last, and the push of the upgrade. */
    let deployed: string
    let upgrade: { before: string; after: string }

    const planText = 'chart: ./charts/' + chart.name + '\nvalues:\n  - values/app.yaml\n'
    const push = (before: string, after: string) =>
      act(ops.repo.dir, { push: { before, after } }, options)
    const check = (inputs: Record<string, string> = {}) =>
      act(
        ops.repo.dir,
        { raw: { eventName: 'schedule', payload: { schedule: '0 * * * *' }, sha: deployed } },
        { ...options, inputs }
      )

    /** A pull request from `base` to `head`, previewed in a clone as actions/checkout leaves it. */
    const preview = async (base: string, head: string): Promise<ActionRun> => {
      const state = { comments: [], deployments: [] }
      const handlers = { ...repositoryHandlers({ origin: ops.origin }), ...writeHandlers(state) }
      const trigger = { pullRequest: { base, head } }
      return (await github.actInClone(ops, head, trigger, handlers, options)).run
    }

    beforeAll(async () => {
      const proxy = `http://127.0.0.1:${await closedPort()}`
      options = {
        timeoutMs: RUN_MS,
        env: {
          PATH: `${dirname(helmBin)}:${process.env.PATH ?? ''}`,
          HTTPS_PROXY: proxy,
          HTTP_PROXY: proxy,
          NO_PROXY: '127.0.0.1,localhost'
        }
      }
      ops = await opsRepo()
      ns = suite.ns(chart.name.slice(0, 12))
      plan = `${setup}/${ns}/${chart.release}.yaml`
      cpSync(join(folder ?? '', chart.name), join(ops.repo.dir, 'charts', chart.name), {
        recursive: true
      })
      // Committed whole, as a user vendoring it must: kube-prometheus-stack's own
      // .gitignore leaves its charts/ (the vendored dependencies) out of a plain `git add`.
      const added = spawnSync('git', ['add', '--force', `charts/${chart.name}`], {
        cwd: ops.repo.dir
      })
      if (added.status !== 0) throw new Error(`git add: ${added.stderr.toString()}`)
    }, STEP_MS)

    test(
      'install, with no network',
      async () => {
        deployed = await ops.commit({ 'values/app.yaml': chart.values('v1'), [plan]: planText })
        const run = await ops.push(deployed, options)
        const result = expectSucceeded(run, plan, 'install', 1)
        const chartYaml = readFileSync(join(folder ?? '', chart.name, 'Chart.yaml'), 'utf8')
        expect(result.version).toBe(/^version:\s*(\S+)/m.exec(chartYaml)?.[1])
        // What helm made is read from its table: the chart version is the Chart.yaml's.
        expect(run.log).toContain('--output table')
        expect(run.log).not.toMatch(/helm (repo add|dependency build)/)
        expect(await cluster.releaseStatus(ns, chart.release)).toBe('deployed')
        expect(await chart.read(cluster, ns)).toBe('v1')
        const names = await workloads(cluster, ns)
        for (const dependency of chart.vendored)
          expect(
            names.some((n) => n.includes(dependency)),
            names.join(', ')
          ).toBe(true)
      },
      STEP_MS
    )

    test(
      'values upgrade',
      async () => {
        upgrade = {
          before: deployed,
          after: await ops.commit({ 'values/app.yaml': chart.values('v2') })
        }
        deployed = upgrade.after
        expectSucceeded(await push(upgrade.before, upgrade.after), plan, 'upgrade', 2)
        expect(await chart.read(cluster, ns)).toBe('v2')
      },
      STEP_MS
    )

    test(
      're-run: unchanged',
      async () => {
        expectUnchanged(await push(upgrade.before, upgrade.after), plan, 2)
        expect(await cluster.releaseSecrets(ns, chart.release)).toHaveLength(2)
      },
      STEP_MS
    )

    test(
      'drift check with no hand edit: 0 drifted',
      async () => {
        const run = await check()
        expect(run.code, run.log).toBe(0)
        expect(run.outputs).toMatchObject({ drifted: '0', failed: '0' })
        expect(driftOf(run, plan)).toEqual({ state: 'in-sync', objects: [], corrected: false })
      },
      STEP_MS
    )

    test(
      'a hand edit: found, corrected, the next check clean',
      async () => {
        const [name] = (await cluster.apps.listNamespacedDeployment({ namespace: ns })).items
          .map((d) => d.metadata?.name ?? '')
          .sort()
        if (!name) throw new Error(`${chart.name} made no Deployment in ${ns}`)
        await cluster.apps.patchNamespacedDeployment(
          { namespace: ns, name, body: { metadata: { labels: { 'helm.sh/chart': 'by-hand' } } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
        )
        const found = await check()
        expect(found.outputs.drifted, found.log).toBe('1')
        expect(driftOf(found, plan).objects).toMatchObject([
          {
            object: `Deployment/${ns}/${name}`,
            state: 'drifted',
            fields: [{ path: '/metadata/labels/helm.sh~1chart', have: 'by-hand' }]
          }
        ])
        const corrected = await check({ drift: 'correct' })
        expect(corrected.code, corrected.log).toBe(0)
        expect(resultOf(corrected, plan)).toMatchObject({ status: 'succeeded', revision: 3 })
        expect(driftOf(corrected, plan)).toMatchObject({ state: 'drifted', corrected: true })
        const label = (await cluster.deployment(ns, name))?.metadata?.labels?.['helm.sh/chart']
        expect(label).not.toBe('by-hand')
        const clean = await check()
        expect(clean.outputs.drifted, clean.log).toBe('0')
        expect(driftOf(clean, plan).state).toBe('in-sync')
      },
      STEP_MS
    )

    test(
      'preview of a values change: only what changes, no churn',
      async () => {
        const head = await ops.commit({ 'values/app.yaml': chart.values('v3') })
        const run = await preview(deployed, head)
        expect(run.code, run.log).toBe(0)
        const result = resultOf(run, plan)
        expect(result).toMatchObject({ operation: 'render', status: 'planned' })
        expect(result.notes[0]).toMatch(/^\+0 ~[1-9]\d* -0 objects$/)
        expect(run.summary).toContain('v3')
        // The cluster is as the upgrade left it.
        expect(await chart.read(cluster, ns)).toBe('v2')
      },
      STEP_MS
    )

    test.runIf(chart.name === 'kube-prometheus-stack')(
      'a CRD change: shown in the preview, applied under create-replace',
      async () => {
        const file = join(
          ops.repo.dir,
          'charts',
          chart.name,
          'charts/crds/crds/crd-podmonitors.yaml'
        )
        const marked = readFileSync(file, 'utf8').replace(
          /^(\s+)operator\.prometheus\.io\/version: .*$/m,
          '$&\n$1gitops-action/real-charts: changed'
        )
        writeFileSync(file, marked)
        const before = deployed
        const head = await ops.commit({ [plan]: `${planText}crds: create-replace\n` })
        const previewed = await preview(before, head)
        expect(previewed.code, previewed.log).toBe(0)
        expect(previewed.summary).toContain('gitops-action/real-charts: changed')
        expect(previewed.summary).toContain(
          'CRD podmonitors.monitoring.coreos.com (crds/) changed in the chart: applied server-side before the upgrade (crds: create-replace)'
        )
        deployed = head
        const run = await push(before, deployed)
        expect(resultOf(run, plan), run.log).toMatchObject({ status: 'succeeded' })
        const ext = cluster.config.makeApiClient(k8s.ApiextensionsV1Api)
        const crd = await ext.readCustomResourceDefinition({
          name: 'podmonitors.monitoring.coreos.com'
        })
        expect(crd.metadata?.annotations?.['gitops-action/real-charts']).toBe('changed')
      },
      STEP_MS
    )

    test(
      'uninstall: the plan removed',
      async () => {
        const before = deployed
        deployed = await ops.commit({}, [plan])
        const run = await push(before, deployed)
        expect(resultOf(run, plan), run.log).toMatchObject({
          operation: 'uninstall',
          status: 'succeeded'
        })
        expect(await cluster.releaseSecrets(ns, chart.release)).toEqual([])
        expect(await workloads(cluster, ns)).toEqual([])
      },
      STEP_MS
    )
  })
}
