// The CRD policy on the bed, with Helm 4 (local/a) and Helm 3 (local/b): a chart of
// our own whose `crds/` CRD changes between two pushes. Under `create` (helm's own
// way) the live CRD stays as it was and the plan has a warning; under
// `create-replace` the action applies it server-side before the upgrade, and refuses
// one that drops a version the cluster still stores (nothing applied, no upgrade);
// `skip` creates no CRD; a pull request shows the CRD change and what each policy
// does with it. Every CRD is read back from the API server.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { describe, expect } from 'vitest'
import type { ActionRun, ResultJson } from '../support/action-runner.ts'
import type { WriteState } from '../support/github-api-server.ts'
import { ociRegistryUrl, type Cluster } from '../support/testbed.ts'
import { act, bed, clusterOf, faultCase, SETUP_A, SETUP_B } from './action.ts'
import { githubApi } from './github.ts'
import { faultSuite, opsRepo, planYaml, valuesYaml } from './ops.ts'
import {
  annotationsOn,
  expectFailed,
  expectSucceeded,
  history,
  message,
  resultOf
} from './outcomes.ts'

const suite = faultSuite()
const github = githubApi(suite)

interface CrdShape {
  /** Version names, the last one stored. */
  readonly versions: readonly string[]
  /** Fields of the Widget's spec. */
  readonly fields: readonly string[]
}

const OLD: CrdShape = { versions: ['v1'], fields: ['size'] }
/** A field more: the change `create` leaves and `create-replace` applies. */
const NEW_FIELD: CrdShape = { versions: ['v1'], fields: ['size', 'color'] }
/** A version more, the storage version now (objects stored at v1 stay there). */
const NEW_VERSION: CrdShape = { versions: ['v1', 'v2'], fields: ['size', 'color'] }
/** v1 dropped while objects are stored at it. */
const DROPS_V1: CrdShape = { versions: ['v2'], fields: ['size', 'color'] }

function crdYaml(group: string, shape: CrdShape): string {
  const schema = [
    '      schema:',
    '        openAPIV3Schema:',
    '          type: object',
    '          properties:',
    '            spec:',
    '              type: object',
    '              properties:',
    ...shape.fields.map(
      (f) => `                ${f}: { type: ${f === 'size' ? 'integer' : 'string'} }`
    )
  ]
  return [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    'metadata:',
    `  name: widgets.${group}`,
    'spec:',
    `  group: ${group}`,
    '  scope: Namespaced',
    '  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }',
    '  versions:',
    ...shape.versions.flatMap((v, i) => [
      `    - name: ${v}`,
      '      served: true',
      `      storage: ${i === shape.versions.length - 1}`,
      ...schema
    ]),
    ''
  ].join('\n')
}

/** A chart with a `crds/` CRD, a ConfigMap, and (when `widget` is set) a Widget of that CRD. */
function widgetChart(group: string, shape: CrdShape): Record<string, string> {
  return {
    'charts/widget/Chart.yaml': 'apiVersion: v2\nname: widget\nversion: 1.0.0\n',
    'charts/widget/crds/widget.yaml': crdYaml(group, shape),
    'charts/widget/templates/configmap.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: "{{ .Release.Name }}-widget" }\ndata: { size: "1" }\n',
    'charts/widget/templates/widget.yaml': [
      '{{- if .Values.widget }}',
      `apiVersion: ${group}/{{ .Values.widget }}`,
      'kind: Widget',
      'metadata: { name: "{{ .Release.Name }}" }',
      'spec: { size: 1 }',
      '{{- end }}',
      ''
    ].join('\n')
  }
}

const plan = (policy: string | undefined, widget = 'v1'): string =>
  `chart: ./charts/widget\n${policy ? `crds: ${policy}\n` : ''}set: { widget: ${widget} }\n`

interface LiveCrd {
  readonly versions: string[]
  readonly stored: string[]
  readonly fields: string[]
  readonly managers: string[]
  readonly resourceVersion: string | undefined
}

/** The CRD as the API server holds it; undefined when there is none. */
async function liveCrd(cluster: Cluster, group: string): Promise<LiveCrd | undefined> {
  const api = cluster.config.makeApiClient(k8s.ApiextensionsV1Api)
  let crd: k8s.V1CustomResourceDefinition
  try {
    crd = await api.readCustomResourceDefinition({ name: `widgets.${group}` })
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined
    throw error
  }
  const last = crd.spec.versions.at(-1)
  return {
    versions: crd.spec.versions.map((v) => v.name),
    stored: crd.status?.storedVersions ?? [],
    fields: Object.keys(last?.schema?.openAPIV3Schema?.properties?.spec?.properties ?? {}).sort(),
    managers: (crd.metadata?.managedFields ?? []).map((m) => m.manager ?? ''),
    resourceVersion: crd.metadata?.resourceVersion
  }
}

async function dropCrd(cluster: Cluster, group: string): Promise<void> {
  const api = cluster.config.makeApiClient(k8s.ApiextensionsV1Api)
  await api.deleteCustomResourceDefinition({ name: `widgets.${group}` }).catch(() => undefined)
}

const warningsOf = (result: ResultJson): string[] =>
  (result as ResultJson & { warnings?: string[] }).warnings ?? []

const warningAnnotations = (run: ActionRun, file: string) =>
  run.annotations.filter((a) => a.level === 'warning' && a.properties.file === file)

const VARIANTS = [
  { helm: 'Helm 4', setup: SETUP_A, helmBin: bed.helm4 },
  { helm: 'Helm 3', setup: SETUP_B, helmBin: bed.helm3 }
] as const

describe.each(VARIANTS)('CRD policy on $setup with $helm', ({ setup, helmBin }) => {
  const cluster = clusterOf(setup)
  const env = { PATH: `${dirname(helmBin)}:${process.env.PATH ?? ''}` }

  faultCase(
    `${setup}: crds: create (the default) and a CRD the chart changed`,
    'the install creates the CRD (helm); the upgrade leaves the live CRD as it was (no color field), succeeds, and the plan has the warning, as a warning annotation on the plan file',
    async () => {
      const ns = suite.ns('crdcreate')
      const group = `${ns}.example.com`
      const p = `${setup}/${ns}/widget.yaml`
      const crd = `widgets.${group}`
      const ops = await opsRepo()
      try {
        const first = await ops.commit({ ...widgetChart(group, OLD), [p]: plan(undefined) })
        const installed = await ops.push(first, { env })
        expect(warningsOf(expectSucceeded(installed, p, 'install', 1))).toEqual([])
        expect(warningAnnotations(installed, p)).toEqual([])
        expect(await liveCrd(cluster, group)).toMatchObject({ versions: ['v1'], fields: ['size'] })

        const changed = await ops.commit(widgetChart(group, NEW_FIELD))
        const run = await act(ops.repo.dir, { push: { before: first, after: changed } }, { env })
        const warning = `CRD ${crd} changed in the chart; under crds: create it is not applied; set crds: create-replace`
        expect(warningsOf(expectSucceeded(run, p, 'upgrade', 2))).toEqual([warning])
        expect(run.code, run.log).toBe(0)
        expect(warningAnnotations(run, p).map((a) => a.message)).toEqual([`${p}: ${warning}`])
        expect(run.summary).toContain('### Warnings')
        expect(await liveCrd(cluster, group)).toMatchObject({ versions: ['v1'], fields: ['size'] })
      } finally {
        await dropCrd(cluster, group)
      }
    },
    180_000
  )

  faultCase(
    `${setup}: crds: create-replace applies a changed CRD; one dropping a stored version is refused`,
    'install: the action applies the CRD (field manager gitops-action), helm gets --skip-crds; upgrade: the new field and version v2 are live; a CRD without v1 (still in status.storedVersions) fails the plan naming the CRD and v1: the CRD and the release revision are unchanged',
    async () => {
      const ns = suite.ns('crdreplace')
      const group = `${ns}.example.com`
      const p = `${setup}/${ns}/widget.yaml`
      const crd = `widgets.${group}`
      const ops = await opsRepo()
      try {
        const first = await ops.commit({
          ...widgetChart(group, OLD),
          [p]: plan('create-replace')
        })
        const installed = await ops.push(first, { env })
        expect(expectSucceeded(installed, p, 'install', 1).notes).toContain(
          `crds: create-replace applied 1 CRD(s) server-side before the install: ${crd} (new)`
        )
        expect(installed.log).toContain('--skip-crds')
        const made = await liveCrd(cluster, group)
        expect(made).toMatchObject({ versions: ['v1'], stored: ['v1'], fields: ['size'] })
        expect(made?.managers).toContain('gitops-action')

        const second = await ops.commit(widgetChart(group, NEW_VERSION))
        const upgraded = await act(
          ops.repo.dir,
          { push: { before: first, after: second } },
          { env }
        )
        expect(expectSucceeded(upgraded, p, 'upgrade', 2).notes).toContain(
          `crds: create-replace applied 1 CRD(s) server-side before the upgrade: ${crd} (changed)`
        )
        // v2 is the storage version now: objects are stored at v1 and v2.
        const replaced = await liveCrd(cluster, group)
        expect(replaced).toMatchObject({
          versions: ['v1', 'v2'],
          stored: ['v1', 'v2'],
          fields: ['color', 'size']
        })

        const third = await ops.commit({
          ...widgetChart(group, DROPS_V1),
          [p]: plan('create-replace', 'v2')
        })
        const refused = await act(ops.repo.dir, { push: { before: second, after: third } }, { env })
        expectFailed(
          refused,
          p,
          `${p}: crds: create-replace refused: CRD ${crd} drops version v1, which status.storedVersions still lists (objects may be stored at it); no CRD was applied and helm upgrade was not run. Migrate the stored objects to a version the chart keeps and remove the dropped version from the CRD's status.storedVersions, then deploy again`,
          { operation: 'upgrade' }
        )
        expect(await liveCrd(cluster, group)).toEqual(replaced)
        expect(await history(cluster, ns, 'widget')).toEqual(['1:superseded', '2:deployed'])
      } finally {
        await dropCrd(cluster, group)
      }
    },
    240_000
  )

  faultCase(
    `${setup}: crds: skip`,
    'helm gets --skip-crds and no CRD is created; the release installs; the notes say crds skip',
    async () => {
      const ns = suite.ns('crdskip')
      const group = `${ns}.example.com`
      const p = `${setup}/${ns}/widget.yaml`
      const ops = await opsRepo()
      try {
        const head = await ops.commit({
          ...widgetChart(group, OLD),
          [p]: 'chart: ./charts/widget\ncrds: skip\n'
        })
        const run = await ops.push(head, { env })
        expect(expectSucceeded(run, p, 'install', 1).notes).toContain('release options: crds skip')
        expect(run.log).toContain('--skip-crds')
        expect(await liveCrd(cluster, group)).toBeUndefined()
        expect(annotationsOn(run, p)).toEqual([])
      } finally {
        await dropCrd(cluster, group)
      }
    }
  )

  faultCase(
    `${setup}: remote charts without CRDs (a repository's, an OCI registry's), crds: create, on a new runner`,
    "install and upgrade run no helm process but helm's own: whether a chart has CRDs is read from the archive helm pulled into its cache",
    async () => {
      const ns = suite.ns('crdremote')
      const plans = {
        repo: `${setup}/${ns}/repo.yaml`,
        oci: `${setup}/${ns}/oci.yaml`
      }
      const charts = { repo: 'bed/hello', oci: 'regoci/hello' }
      const ops = await opsRepo()
      const files = (message: string) => ({
        'values/v.yaml': valuesYaml(message),
        ...Object.fromEntries(
          Object.entries(plans).map(([kind, path]) => [
            path,
            planYaml({ chart: charts[kind as 'repo'], version: '0.2.0', values: 'values/v.yaml' })
          ])
        )
      })
      // A new CI job: nothing in helm's caches yet.
      const fresh = () => ({ ...env, HELM_CACHE_HOME: mkdtempSync(join(tmpdir(), 'helm-cache-')) })
      const inputs = {
        'helm-repositories': `bed ${bed.chartRepo}
regoci ${ociRegistryUrl(bed)}`
      }
      const first = await ops.commit(files('v1'))
      const installed = await ops.push(first, { env: fresh(), inputs })
      const second = await ops.commit(files('v2'))
      const upgraded = await act(
        ops.repo.dir,
        { push: { before: first, after: second } },
        { env: fresh(), inputs }
      )
      for (const [run, operation, revision] of [
        [installed, 'install', 1],
        [upgraded, 'upgrade', 2]
      ] as const) {
        for (const path of Object.values(plans)) expectSucceeded(run, path, operation, revision)
        expect(run.log).not.toContain('helm template')
      }
      for (const release of Object.keys(plans))
        expect(await message(cluster, ns, release)).toBe('v2')
    }
  )

  faultCase(
    `${setup}: a pull request that changes a crds/ CRD, under each policy`,
    'the preview renders the CRD (crds/) as changed, with the policy line beside it in the comment and in the notes: create → not applied (a warning on deploy), create-replace → applied before the upgrade, skip → ignored; nothing reaches the cluster',
    async () => {
      const state: WriteState = { comments: [], deployments: [] }
      const policies = ['create', 'create-replace', 'skip'] as const
      const planPath = (ns: string, policy: string) => `${setup}/${ns}/${policy}.yaml`
      let group = ''
      const { run, ns } = await github.pullRequest(
        'crdpreview',
        (ns) => {
          group = `${ns}.example.com`
          return {
            ...widgetChart(group, OLD),
            ...Object.fromEntries(policies.map((policy) => [planPath(ns, policy), plan(policy)]))
          }
        },
        () => widgetChart(group, NEW_FIELD),
        state,
        {},
        env
      )
      expect(run.code, run.log).toBe(0)
      const crd = `widgets.${group}`
      const lines = {
        create: `CRD ${crd} (crds/) changed in the chart: not applied under crds: create (a warning on deploy); set crds: create-replace`,
        'create-replace': `CRD ${crd} (crds/) changed in the chart: applied server-side before the upgrade (crds: create-replace)`,
        skip: `CRD ${crd} (crds/) changed in the chart: ignored (crds: skip)`
      }
      const comment = state.comments[0]?.body ?? ''
      for (const policy of policies) {
        const result = resultOf(run, planPath(ns, policy))
        expect(result).toMatchObject({ operation: 'render', status: 'planned' })
        expect(result.notes[0]).toBe('+0 ~1 -0 objects')
        expect(result.notes).toContain(lines[policy])
        expect(comment).toContain(`\`${lines[policy]}\``)
      }
      expect(comment).toContain(
        `~ \`apiextensions.k8s.io/v1 CustomResourceDefinition ${ns}/${crd} (crds/)\``
      )
      expect(comment).toMatch(/\+\s+color:/)
      expect(await liveCrd(cluster, group)).toBeUndefined()
    }
  )
})
