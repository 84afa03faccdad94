import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { load as loadYaml } from 'js-yaml'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { act, type ActContext } from '../../../src/engine/act.ts'
import {
  crdsAfterHelm,
  crdsBeforeHelm,
  exactVersion,
  FIELD_MANAGER,
  type CrdContext,
  type CrdStep
} from '../../../src/engine/crds.ts'
import type { Decision } from '../../../src/engine/decide.ts'
import { DEFAULT_OPTIONS } from '../../../src/plan/plan-options.ts'
import { PlanLog } from '../../../src/report/plan-log.ts'
import { ValuesFiles } from '../../../src/secrets/sops-values.ts'
import type { ApplyArgsInput } from '../../../src/apply/helm-args.ts'
import type { CrdPolicy, PlannedStep } from '../../../src/types/plan.ts'
import { chartArchive } from '../../support/chart-archive.ts'
import { testConfig } from '../../support/config.ts'
import { resetCore } from '../../support/fakes/core.ts'
import { fakeHelm, fakeHooks, releaseTable, type FakeHelm } from '../../support/fakes/helm.ts'
import { fakeKube, type FakeKube } from '../../support/fakes/kube.ts'
import { webSpec } from '../../support/plan-spec.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))
beforeEach(resetCore)

// The CRD policy around an install or upgrade, with typed fakes of helm and the API
// client: which CRDs are read (helm renders only a chart that may have some), what
// create-replace applies before helm and what it refuses, create's warnings once
// helm ran, and where act() calls them.

const target = { plan: 's/a/ns/web.yaml', setup: 's/a', namespace: 'ns', release: 'web' }
const NAME = 'widgets.example.com'
const PATH = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${NAME}`

function crdYaml(versions: readonly string[], fields: readonly string[] = ['size']): string {
  return [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    `metadata: { name: ${NAME} }`,
    'spec:',
    '  group: example.com',
    '  scope: Namespaced',
    '  names: { plural: widgets, kind: Widget }',
    '  versions:',
    ...versions.map(
      (v, i) =>
        `    - { name: ${v}, served: true, storage: ${i === versions.length - 1}, schema: { openAPIV3Schema: { type: object, properties: { ${fields.map((f) => `${f}: { type: string }`).join(', ')} } } } }`
    ),
    ''
  ].join('\n')
}

/** What `helm template --include-crds` prints: the crds/ file, then a template. */
const rendered = (crd: string): string =>
  `---\n# Source: web/crds/widget.yaml\n${crd}---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\n`

/** The live CRD of `crdYaml`, as the API server keeps it. */
function liveCrd(versions: readonly string[], stored: readonly string[], fields?: string[]) {
  const body = JSON.parse(JSON.stringify(loadYaml(crdYaml(versions, fields)))) as object
  return {
    ...body,
    metadata: { name: NAME, resourceVersion: '1' },
    status: { storedVersions: stored, conditions: [{ type: 'Established', status: 'True' }] }
  }
}

/** A local chart folder, with a crds/ folder or without. */
function chartFolder(withCrds: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'web-'))
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 1.0.0\n')
  if (withCrds) {
    mkdirSync(join(dir, 'crds'))
    writeFileSync(join(dir, 'crds', 'widget.yaml'), crdYaml(['v1']))
  }
  return dir
}

interface Fixture {
  readonly helm: FakeHelm
  readonly kube: FakeKube
  readonly step: CrdStep
  readonly context: CrdContext
}

function fixture(
  policy: CrdPolicy,
  options: {
    template?: string | Error
    live?: object
    local?: boolean
    noClient?: boolean
    operation?: 'install' | 'upgrade'
    env?: NodeJS.ProcessEnv
  } = {}
): Fixture {
  const helm = fakeHelm({ template: options.template ?? rendered(crdYaml(['v1'])) })
  const kube = fakeKube(options.live ? { [PATH]: options.live } : {})
  const local = options.local ?? true
  const chart = local ? chartFolder(true) : 'stable/web'
  return {
    helm,
    kube,
    step: {
      policy,
      operation: options.operation ?? 'upgrade',
      source: local
        ? { kind: 'local', path: 'charts/web' }
        : { kind: 'alias', alias: 'stable', name: 'web' },
      template: { target, chart, values: ['/v.yaml'], userArgs: [] },
      version: undefined
    },
    context: {
      helm,
      client: options.noClient ? undefined : kube,
      call: { env: options.env ?? { PATH: '/bin' } },
      signal: new AbortController().signal,
      log: new PlanLog('t')
    }
  }
}

describe('crdsBeforeHelm: crds: create-replace', () => {
  it('renders the chart with its CRDs, applies a changed CRD server-side as gitops-action, says so', async () => {
    const f = fixture('create-replace', {
      template: rendered(crdYaml(['v1', 'v2'])),
      live: liveCrd(['v1'], ['v1'])
    })
    const outcome = await crdsBeforeHelm(f.step, f.context)
    expect(
      f.helm.calls.map((c) => [c.operation, (c.input as { includeCrds?: boolean }).includeCrds])
    ).toEqual([['template', true]])
    expect(f.kube.applies.map((a) => [a.path, a.fieldManager])).toEqual([[PATH, FIELD_MANAGER]])
    expect(
      (f.kube.applies[0]?.object as { spec: { versions: { name: string }[] } }).spec.versions.map(
        (v) => v.name
      )
    ).toEqual(['v1', 'v2'])
    expect(outcome).toEqual({
      notes: [
        `crds: create-replace applied 1 CRD(s) server-side before the upgrade: ${NAME} (changed)`
      ],
      warnings: []
    })
  })

  it('creates a CRD the cluster lacks; one that matches is not applied', async () => {
    const created = fixture('create-replace', { operation: 'install' })
    expect((await crdsBeforeHelm(created.step, created.context)).notes).toEqual([
      `crds: create-replace applied 1 CRD(s) server-side before the install: ${NAME} (new)`
    ])
    expect(created.kube.applies).toHaveLength(1)
    const same = fixture('create-replace', { live: liveCrd(['v1'], ['v1']) })
    expect(await crdsBeforeHelm(same.step, same.context)).toEqual({ notes: [], warnings: [] })
    expect(same.kube.applies).toEqual([])
  })

  it('refuses a CRD that drops a stored version: throws, nothing applied', async () => {
    const f = fixture('create-replace', {
      template: rendered(crdYaml(['v2'])),
      live: liveCrd(['v1', 'v2'], ['v1', 'v2'])
    })
    await expect(crdsBeforeHelm(f.step, f.context)).rejects.toThrow(
      `crds: create-replace refused: CRD ${NAME} drops version v1, which status.storedVersions still lists`
    )
    expect(f.kube.applies).toEqual([])
  })

  it('a local chart without a crds/ folder: no helm process, nothing read', async () => {
    const f = fixture('create-replace')
    const step = { ...f.step, template: { ...f.step.template, chart: chartFolder(false) } }
    expect(await crdsBeforeHelm(step, f.context)).toEqual({ notes: [], warnings: [] })
    expect(f.helm.calls).toEqual([])
    expect(f.kube.gets).toEqual([])
  })

  it('without an API client the plan fails before helm', async () => {
    const f = fixture('create-replace', { noClient: true })
    await expect(crdsBeforeHelm(f.step, f.context)).rejects.toThrow(
      "crds: create-replace applies the chart's CRDs through the API server, and this setup has no API client (none could be built from its kubeconfig, or it could not list the releases' Secrets); helm was not run"
    )
  })

  it.each<CrdPolicy>(['create', 'skip'])('%s: nothing before helm', async (policy) => {
    const f = fixture(policy)
    expect(await crdsBeforeHelm(f.step, f.context)).toEqual({ notes: [], warnings: [] })
    expect(f.helm.calls).toEqual([])
  })
})

describe('crdsAfterHelm: crds: create', () => {
  it('a CRD the chart changed and the cluster kept: a warning, nothing applied', async () => {
    const f = fixture('create', {
      template: rendered(crdYaml(['v1'], ['size', 'color'])),
      live: liveCrd(['v1'], ['v1'])
    })
    expect(await crdsAfterHelm(f.step, '1.0.0', f.context)).toEqual({
      notes: [],
      warnings: [
        `CRD ${NAME} changed in the chart; under crds: create it is not applied; set crds: create-replace`
      ]
    })
    expect(f.kube.applies).toEqual([])
  })

  it('as in the cluster: nothing to say', async () => {
    const f = fixture('create', { live: liveCrd(['v1'], ['v1']) })
    expect(await crdsAfterHelm(f.step, '1.0.0', f.context)).toEqual({ notes: [], warnings: [] })
  })

  it('never throws: a render that fails is a note', async () => {
    const f = fixture('create', { template: new Error('helm template failed: boom') })
    expect(await crdsAfterHelm(f.step, '1.0.0', f.context)).toEqual({
      notes: [
        "the chart's CRDs could not be compared with the cluster's: helm template failed: boom"
      ],
      warnings: []
    })
  })

  it('without an API client: a note naming the CRDs not compared', async () => {
    const f = fixture('create', { noClient: true })
    expect((await crdsAfterHelm(f.step, '1.0.0', f.context)).notes).toEqual([
      `the chart's CRDs (${NAME}) were not compared with the cluster's: no API client could be built from the setup's kubeconfig`
    ])
  })

  it('a remote chart whose archive helm pulled has no CRDs: no helm process; one it cannot find is rendered', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cache-'))
    writeFileSync(join(cache, 'web-1.0.0.tgz'), chartArchive('web', '1.0.0'))
    const env = { HELM_REPOSITORY_CACHE: cache, HELM_CONTENT_CACHE: cache }
    const found = fixture('create', { local: false, env })
    await crdsAfterHelm(found.step, '1.0.0', found.context)
    expect(found.helm.calls).toEqual([])
    const unknown = fixture('create', { local: false, env, live: liveCrd(['v1'], ['v1']) })
    await crdsAfterHelm(unknown.step, '2.0.0', unknown.context)
    expect(unknown.helm.brief()).toEqual(['template ns/web'])
  })

  it('after a failed helm call, a chart not known to have CRDs is not rendered', async () => {
    const f = fixture('create', { local: false })
    expect(await crdsAfterHelm(f.step, undefined, f.context, true)).toEqual({
      notes: [],
      warnings: []
    })
    expect(f.helm.calls).toEqual([])
  })

  it.each<CrdPolicy>(['create-replace', 'skip'])('%s: nothing after helm', async (policy) => {
    const f = fixture(policy)
    expect(await crdsAfterHelm(f.step, '1.0.0', f.context)).toEqual({ notes: [], warnings: [] })
    expect(f.helm.calls).toEqual([])
  })
})

describe('exactVersion: a pinned version finds the pulled archive, a range does not', () => {
  it.each<[string | undefined, string | undefined]>([
    ['1.2.3', '1.2.3'],
    ['v1.2.3-rc.1', 'v1.2.3-rc.1'],
    ['1.2.3+build.5', '1.2.3+build.5'],
    ['^1.2.0', undefined],
    ['1.2', undefined],
    [undefined, undefined]
  ])('%s', (given, exact) => {
    expect(exactVersion(given)).toBe(exact)
  })
})

describe('act() and the CRD policy', () => {
  const upgrade: Decision = { kind: 'apply', operation: 'upgrade', lastDeployed: 1, notes: [] }
  const step = (policy: CrdPolicy): Extract<PlannedStep, { action: 'apply' }> => ({
    action: 'apply',
    target,
    reasons: [],
    spec: webSpec({
      chart: { kind: 'local', path: 'charts/web' },
      chartText: './charts/web',
      options: { ...DEFAULT_OPTIONS, crds: policy }
    })
  })
  function context(helm: FakeHelm, kube: FakeKube): ActContext {
    const workspace = mkdtempSync(join(tmpdir(), 'act-'))
    const config = testConfig({ workspace })
    const signal = new AbortController().signal
    const chart = chartFolder(true)
    return {
      helm,
      hooks: fakeHooks(),
      config,
      sha: 'a'.repeat(40),
      run: '1',
      env: { PATH: '/bin' },
      charts: { resolve: () => Promise.resolve(chart) },
      values: new ValuesFiles({ config, dir: workspace, signal }),
      signal,
      scratch: workspace,
      commitFiles: () => Promise.resolve(workspace),
      cluster: { kubeconfig: '/kube/config', client: kube }
    }
  }

  it('create-replace: the CRDs are applied before the upgrade, which gets --skip-crds', async () => {
    const order: string[] = []
    const kube = fakeKube({ [PATH]: liveCrd(['v1'], ['v1'], ['size']) })
    const helm = fakeHelm({
      template: rendered(crdYaml(['v1'], ['size', 'color'])),
      upgrade: async () => {
        order.push(`upgrade after ${kube.applies.length} apply`)
        // The local chart's version is known: helm was asked for its table.
        return releaseTable('web', 2)
      }
    })
    const result = await act(
      step('create-replace'),
      upgrade,
      'd'.repeat(32),
      context(helm, kube),
      new PlanLog('t')
    )
    expect(order).toEqual(['upgrade after 1 apply'])
    const input = helm.calls.find((c) => c.operation === 'upgrade')?.input as ApplyArgsInput
    expect(input.optionArgs).toContain('--skip-crds')
    expect(result).toMatchObject({ status: 'succeeded', revision: 2 })
    expect(result.notes).toContain(
      `crds: create-replace applied 1 CRD(s) server-side before the upgrade: ${NAME} (changed)`
    )
  })

  it('create-replace refused: failed, no upgrade, nothing applied', async () => {
    const kube = fakeKube({ [PATH]: liveCrd(['v1'], ['v1']) })
    const helm = fakeHelm({ template: rendered(crdYaml(['v2'])) })
    const result = await act(
      step('create-replace'),
      upgrade,
      'd'.repeat(32),
      context(helm, kube),
      new PlanLog('t')
    )
    expect(result).toMatchObject({ status: 'failed', operation: 'upgrade', revision: null })
    expect(result.error).toContain(`CRD ${NAME} drops version v1`)
    expect(helm.brief()).toEqual(['template ns/web'])
    expect(kube.applies).toEqual([])
  })

  it('create: the upgrade runs as helm does it; the changed CRD is a warning on the result', async () => {
    const kube = fakeKube({ [PATH]: liveCrd(['v1'], ['v1']) })
    const helm = fakeHelm({ template: rendered(crdYaml(['v1'], ['size', 'color'])) })
    const result = await act(
      step('create'),
      upgrade,
      'd'.repeat(32),
      context(helm, kube),
      new PlanLog('t')
    )
    expect(helm.brief()).toEqual(['upgrade ns/web', 'template ns/web'])
    expect((helm.calls[0]?.input as ApplyArgsInput).optionArgs).not.toContain('--skip-crds')
    expect(result.status).toBe('succeeded')
    expect(result.warnings).toEqual([
      `CRD ${NAME} changed in the chart; under crds: create it is not applied; set crds: create-replace`
    ])
    expect(kube.applies).toEqual([])
  })

  it('create, and the upgrade failed: the warning still says what the chart changed', async () => {
    const kube = fakeKube({})
    const helm = fakeHelm({
      template: rendered(crdYaml(['v1'])),
      upgrade: new Error('helm upgrade failed: no matches for kind "Widget"')
    })
    const result = await act(
      step('create'),
      upgrade,
      'd'.repeat(32),
      context(helm, kube),
      new PlanLog('t')
    )
    expect(result.status).toBe('failed')
    expect(result.warnings).toEqual([
      `CRD ${NAME} is new in the chart; under crds: create an upgrade does not create it; set crds: create-replace`
    ])
  })
})
