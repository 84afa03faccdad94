import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { openCheckout } from '../../../src/plan/checkout.ts'
import { planDeployment } from '../../../src/plan/planner.ts'
import { DEFAULT_OPTIONS } from '../../../src/plan/plan-options.ts'
import type { ChangedPath, Scope } from '../../../src/types/changes.ts'
import type { Config } from '../../../src/types/config.ts'
import type { DeploymentPlan, Removal, RunKind } from '../../../src/types/plan.ts'
import { git, GitRepo, removeTempDirs, tempDir } from '../../support/git-repo.ts'
import { testConfig } from '../../support/config.ts'
import { NO_HOOKS } from '../../support/plan-spec.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))

afterAll(removeTempDirs)
// Real git processes: slow on a busy 2-core runner, never wrong.
vi.setConfig({ testTimeout: 60_000 })

const SHA = 'c'.repeat(40)
const DEPLOY: RunKind = { kind: 'deploy' }
const BASE = 'b'.repeat(40)

function config(over: Partial<Config> = {}): Config {
  return testConfig({
    helmRepositories: [{ name: 'stable', url: 'https://charts.example.com/stable' }],
    ...over
  })
}

/** An ops repository like the README's: two setups, values, hooks, a local chart. */
const OPS: Record<string, string> = {
  '.gitops/repositories.yaml':
    'repositories:\n  - name: bitnami\n    url: https://charts.bitnami.com/bitnami\n',
  '.github/workflows/deploy.yml': 'on: push\n',
  'README.md': '# ops\n',
  'charts/greeting/Chart.yaml': 'apiVersion: v2\nname: greeting\nversion: 0.1.0\n',
  'charts/greeting/templates/cm.yaml': 'kind: ConfigMap\n',
  'values/common.yaml': 'a: 1\n',
  'values/team-a.yaml': 'b: 2\n',
  'hooks/announce.sh': 'echo hi\n',
  'aws/foo/default/demo.yaml':
    'chart: stable/nuclio\nversion: 1.2.0\nvalues: values/common.yaml\nhooks:\n  post-install: [hooks/announce.sh]\n',
  'aws/foo/default/redis.yml':
    'chart: bitnami/redis\nvalues:\n  - values/common.yaml\n  - aws/foo/default/redis-values.yaml\n',
  'aws/foo/default/redis-values.yaml': 'replicas: 2\n',
  'aws/foo/default/README.md': 'not a plan\n',
  'aws/foo/default/setup.sh': 'echo\n',
  'aws/foo/team-a/greeting': 'chart: ./charts/greeting\nvalues: [values/team-a.yaml]\n',
  'gcp/bar/web/site.yaml': 'chart: oci://ghcr.io/org/charts/site\nversion: "3.1"\n',
  'gcp/bar/web/proxy.yaml': 'chart: nginx\nrepository: https://charts.example.com/nginx\n',
  'gcp/bar/web/tarball.yaml': 'chart: https://example.com/charts/app-1.0.0.tgz\n'
}

async function repo(files: Record<string, string> = OPS): Promise<GitRepo> {
  return (await GitRepo.create()).write(files)
}

/**
 * Plans the work tree, committed: a diff's removed paths are committed first (as small
 * plans) in a base commit, so the planner finds them in the base tree as git would.
 */
async function plan(
  r: GitRepo,
  scope: Scope,
  paths: ChangedPath[] = [],
  over: Partial<Config> = {}
): Promise<DeploymentPlan> {
  const removed = paths
    .filter((p) => p.status === 'removed' && !existsSync(join(r.dir, p.path)))
    .map((p) => p.path)
  await r.write(Object.fromEntries(removed.map((path) => [path, 'chart: stable/old\n'])))
  const base = await r.commit('base')
  if (removed.length > 0) await r.remove(...removed)
  const head = await r.commit('head')
  const changes = scope.kind === 'diff' ? { base, head, source: 'git' as const, paths } : undefined
  return planDeployment({
    config: config({ workspace: r.dir, ...over }),
    scope,
    changes,
    openCheckout: () => openCheckout(r.dir, head),
    sha: SHA,
    runKind: DEPLOY
  })
}

/** Commits the repository as base, removes `removed` (files or folders), and plans that diff with `gone` as the removed paths. */
async function planRemoval(
  r: GitRepo,
  removed: readonly string[],
  gone: readonly string[] = removed
): Promise<DeploymentPlan> {
  const base = await r.commit('base')
  await r.remove(...removed)
  const head = await r.commit('head')
  return planDeployment({
    config: config({ workspace: r.dir }),
    scope: diff,
    changes: {
      base,
      head,
      source: 'git',
      paths: gone.map((path) => ({ path, status: 'removed' }))
    },
    openCheckout: () => openCheckout(r.dir, head),
    sha: SHA,
    runKind: DEPLOY
  })
}

const diff: Scope = { kind: 'diff', base: BASE, head: SHA, baseReason: 'test' }
const all: Scope = { kind: 'all', head: SHA, reason: 'branch main was created' }

/** The plan as "setup: action plan (reasons)" lines, easy to read in a failure. */
function steps(p: DeploymentPlan): string[] {
  return p.setups.flatMap((s) =>
    s.steps.map(
      (step) => `${s.setup}: ${step.action} ${step.target.plan} (${step.reasons.join('; ')})`
    )
  )
}
const problems = (p: DeploymentPlan): string[] =>
  p.problems.map(
    (x) => `${x.problem.file}${x.problem.line ? `:${x.problem.line}` : ''} ${x.problem.message}`
  )

describe('planDeployment: every plan (a new branch, workflow_dispatch)', () => {
  it('finds the plans and nothing else, each chart form, in setup and path order', async () => {
    const p = await plan(await repo(), all)
    expect(steps(p)).toEqual([
      'aws/foo: apply aws/foo/default/demo.yaml (branch main was created)',
      'aws/foo: apply aws/foo/default/redis.yml (branch main was created)',
      'aws/foo: apply aws/foo/team-a/greeting (branch main was created)',
      'gcp/bar: apply gcp/bar/web/proxy.yaml (branch main was created)',
      'gcp/bar: apply gcp/bar/web/site.yaml (branch main was created)',
      'gcp/bar: apply gcp/bar/web/tarball.yaml (branch main was created)'
    ])
    expect(p.problems).toEqual([])
    expect(p.sha).toBe(SHA)
    expect(p.repositories).toEqual([
      { name: 'stable', url: 'https://charts.example.com/stable' },
      { name: 'bitnami', url: 'https://charts.bitnami.com/bitnami' }
    ])
    const specs = Object.fromEntries(
      p.setups
        .flatMap((s) => s.steps)
        .map((s) => [s.target.plan, s.action === 'apply' ? s.spec : undefined])
    )
    expect(specs['aws/foo/default/demo.yaml']).toEqual({
      chart: { kind: 'alias', alias: 'stable', name: 'nuclio' },
      chartText: 'stable/nuclio',
      chartLine: 1,
      version: '1.2.0',
      values: ['values/common.yaml'],
      hooks: { ...NO_HOOKS, 'post-install': ['hooks/announce.sh'] },
      needs: [],
      driftIgnore: [],
      options: DEFAULT_OPTIONS
    })
    expect(specs['aws/foo/default/redis.yml']?.values).toEqual([
      'values/common.yaml',
      'aws/foo/default/redis-values.yaml'
    ])
    expect(specs['aws/foo/team-a/greeting']?.chart).toEqual({
      kind: 'local',
      path: 'charts/greeting'
    })
    expect(specs['gcp/bar/web/site.yaml']).toMatchObject({
      chart: { kind: 'oci', ref: 'oci://ghcr.io/org/charts/site' },
      version: '3.1'
    })
    expect(specs['gcp/bar/web/proxy.yaml']?.chart).toEqual({
      kind: 'repository',
      url: 'https://charts.example.com/nginx',
      name: 'nginx'
    })
    expect(specs['gcp/bar/web/tarball.yaml']?.chart).toEqual({
      kind: 'url',
      url: 'https://example.com/charts/app-1.0.0.tgz'
    })
  })

  it('the plans input narrows it; ignore globs remove plans', async () => {
    const p = await plan(await repo(), all, [], { plans: ['gcp/**'], ignore: ['**/tarball.yaml'] })
    expect(steps(p).map((s) => s.split(' (')[0])).toEqual([
      'gcp/bar: apply gcp/bar/web/proxy.yaml',
      'gcp/bar: apply gcp/bar/web/site.yaml'
    ])
  })

  it('setup-name-size 1 reads the same tree differently', async () => {
    const p = await plan(
      await repo({
        'prod/kube-system/metrics.yaml': 'chart: stable/metrics\n',
        'aws/foo/default/demo.yaml': 'chart: stable/x\n'
      }),
      all,
      [],
      { setupNameSize: 1 }
    )
    expect(steps(p)).toEqual([
      'prod: apply prod/kube-system/metrics.yaml (branch main was created)'
    ])
  })

  it('nothing at all for a none scope', async () => {
    expect(await plan(await repo(), { kind: 'none', reason: 'tag' })).toEqual({
      sha: SHA,
      setups: [],
      problems: [],
      waves: [],
      repositories: config().helmRepositories,
      runKind: DEPLOY
    })
  })
})

describe('planDeployment: a diff', () => {
  it.each<[string, ChangedPath[], string[]]>([
    [
      'a modified plan',
      [{ path: 'aws/foo/default/demo.yaml', status: 'modified' }],
      ['aws/foo: apply aws/foo/default/demo.yaml (aws/foo/default/demo.yaml modified)']
    ],
    [
      'an added plan',
      [{ path: 'gcp/bar/web/site.yaml', status: 'added' }],
      ['gcp/bar: apply gcp/bar/web/site.yaml (gcp/bar/web/site.yaml added)']
    ],
    [
      'a removed plan, uninstalled before the applies',
      [
        { path: 'aws/foo/default/redis.yml', status: 'modified' },
        { path: 'aws/foo/default/gone.yaml', status: 'removed' }
      ],
      [
        'aws/foo: uninstall aws/foo/default/gone.yaml (aws/foo/default/gone.yaml removed)',
        'aws/foo: apply aws/foo/default/redis.yml (aws/foo/default/redis.yml modified)'
      ]
    ],
    [
      'a shared values file: every plan that uses it',
      [{ path: 'values/common.yaml', status: 'modified' }],
      [
        'aws/foo: apply aws/foo/default/demo.yaml (values file values/common.yaml modified)',
        'aws/foo: apply aws/foo/default/redis.yml (values file values/common.yaml modified)'
      ]
    ],
    [
      'a values file beside the plans is no plan, but affects its user',
      [{ path: 'aws/foo/default/redis-values.yaml', status: 'modified' }],
      [
        'aws/foo: apply aws/foo/default/redis.yml (values file aws/foo/default/redis-values.yaml modified)'
      ]
    ],
    [
      'a file of a local chart: the plans using the chart',
      [{ path: 'charts/greeting/templates/cm.yaml', status: 'modified' }],
      [
        'aws/foo: apply aws/foo/team-a/greeting (local chart charts/greeting: charts/greeting/templates/cm.yaml modified)'
      ]
    ],
    ['a hook script: nothing', [{ path: 'hooks/announce.sh', status: 'modified' }], []],
    [
      'files that are not plans: nothing',
      [
        { path: 'README.md', status: 'modified' },
        { path: 'aws/foo/default/README.md', status: 'modified' },
        { path: 'aws/foo/default/setup.sh', status: 'removed' },
        { path: '.github/workflows/deploy.yml', status: 'modified' },
        { path: '.gitops/x/y/z.yaml', status: 'removed' }
      ],
      []
    ],
    [
      'a plan and its values file: one step, two reasons',
      [
        { path: 'aws/foo/default/demo.yaml', status: 'modified' },
        { path: 'values/common.yaml', status: 'modified' }
      ],
      [
        'aws/foo: apply aws/foo/default/demo.yaml (aws/foo/default/demo.yaml modified; values file values/common.yaml modified)',
        'aws/foo: apply aws/foo/default/redis.yml (values file values/common.yaml modified)'
      ]
    ],
    [
      'a rename that keeps setup, namespace and release: just an apply',
      [
        { path: 'aws/foo/default/demo.yml', status: 'removed' },
        { path: 'aws/foo/default/demo.yaml', status: 'added' }
      ],
      [
        'aws/foo: apply aws/foo/default/demo.yaml (aws/foo/default/demo.yml removed; the release is now defined by aws/foo/default/demo.yaml; aws/foo/default/demo.yaml added)'
      ]
    ],
    [
      'a move to another namespace: uninstall there, install here',
      [
        { path: 'aws/foo/other/demo.yaml', status: 'removed' },
        { path: 'aws/foo/default/demo.yaml', status: 'added' }
      ],
      [
        'aws/foo: uninstall aws/foo/other/demo.yaml (aws/foo/other/demo.yaml removed)',
        'aws/foo: apply aws/foo/default/demo.yaml (aws/foo/default/demo.yaml added)'
      ]
    ],
    [
      'a removed file with an invalid name was never deployed',
      [{ path: 'aws/foo/default/Old_Plan.yaml', status: 'removed' }],
      []
    ]
  ])('%s', async (_name, paths, expected) => {
    const p = await plan(await repo(), diff, paths)
    expect(steps(p)).toEqual(expected)
    expect(p.problems).toEqual([])
  })

  it('a deleted plan folder: only the plan is uninstalled, not its values, hooks or chart files', async () => {
    const r = await repo({
      ...OPS,
      'aws/foo/app/app.yaml':
        'chart: ./aws/foo/chart\nvalues: [aws/foo/app/values.yaml]\nhooks:\n  pre-install: [aws/foo/app/prepare]\n',
      'aws/foo/app/values.yaml': 'a: 1\n',
      'aws/foo/app/prepare': 'echo prepare\n',
      'aws/foo/chart/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n',
      'aws/foo/chart/values.yaml': 'a: 1\n'
    })
    const gone = [
      'aws/foo/app/app.yaml',
      'aws/foo/app/values.yaml',
      'aws/foo/app/prepare',
      'aws/foo/chart/Chart.yaml',
      'aws/foo/chart/values.yaml'
    ]
    const p = await planRemoval(r, ['aws/foo/app', 'aws/foo/chart'], gone)
    expect(steps(p)).toEqual([
      'aws/foo: uninstall aws/foo/app/app.yaml (aws/foo/app/app.yaml removed)'
    ])
    expect(p.problems).toEqual([])
  })

  it('a removed plan keeps the needs it had at the base commit (uninstalls run in reverse)', async () => {
    const gone = ['aws/foo/default/api.yaml', 'aws/foo/default/db.yaml']
    const r = await repo({
      ...OPS,
      'aws/foo/default/api.yaml': 'chart: stable/api\nneeds: [default/db]\n',
      'aws/foo/default/db.yaml': 'chart: stable/db\n'
    })
    const p = await planRemoval(r, gone)
    const needs = p.setups
      .flatMap((s) => s.steps)
      .map((s) =>
        s.action === 'uninstall' ? `${s.target.release}: ${s.needs.join(',')}` : s.action
      )
    expect(needs).toEqual(['api: default/db', 'db: '])
  })

  it('a removal whose base tree cannot be read uninstalls nothing and says why', async () => {
    const r = await repo()
    const head = await r.commit('head')
    const p = await planDeployment({
      config: config({ workspace: r.dir }),
      scope: diff,
      changes: {
        base: BASE,
        head,
        source: 'compare-api',
        paths: [{ path: 'aws/foo/default/gone.yaml', status: 'removed' }]
      },
      openCheckout: () => openCheckout(r.dir, head),
      sha: SHA,
      runKind: DEPLOY
    })
    expect(steps(p)).toEqual([])
    expect(problems(p)).toEqual([
      expect.stringMatching(
        /^aws\/foo\/default\/gone\.yaml removed since bbbbbbbbbbbb, but that commit's tree cannot be read to tell whether it was a plan \(.*\); nothing is uninstalled: re-run the job with the full history checked out \(fetch-depth: 0\)$/
      )
    ])
  })

  it('untracked files are no plans, values or charts; a plan is read as committed', async () => {
    const r = await repo()
    await r.commit('base')
    await r.write({
      'aws/foo/default/node.yaml': 'chart: stable/x\n',
      'aws/foo/default/uses-new.yaml': 'chart: stable/x\nvalues: [values/new.yaml]\n'
    })
    const head = await r.commit('head')
    await r.write({
      'values/new.yaml': 'a: 1\n',
      'aws/foo/default/untracked.yaml': 'chart: stable/x\n'
    })
    await r.remove('aws/foo/default/node.yaml')
    await r.write({ 'aws/foo/default/node.yaml': 'x'.repeat(70_000) })
    // An earlier step that rewrites a plan in the work tree does not change what is deployed.
    const p = await planDeployment({
      config: config({ workspace: r.dir }),
      scope: all,
      changes: undefined,
      openCheckout: () => openCheckout(r.dir, head),
      sha: SHA,
      runKind: DEPLOY
    })
    expect(steps(p).filter((s) => s.includes('untracked'))).toEqual([])
    expect(steps(p)).toContain('aws/foo: apply aws/foo/default/node.yaml (branch main was created)')
    expect(problems(p)).toEqual([
      "aws/foo/default/uses-new.yaml:2 line 2: values file 'values/new.yaml' is not part of the deployed commit (an untracked file, or one an earlier step wrote): commit it"
    ])
  })

  it('the plans input restricts a push too (uninstalls included)', async () => {
    const p = await plan(
      await repo(),
      diff,
      [
        { path: 'values/common.yaml', status: 'modified' },
        { path: 'gcp/bar/web/gone.yaml', status: 'removed' }
      ],
      { plans: ['aws/foo/default/redis.yml'] }
    )
    expect(steps(p)).toEqual([
      'aws/foo: apply aws/foo/default/redis.yml (values file values/common.yaml modified)'
    ])
  })
})

describe('planDeployment: problems are per plan, the others go on', () => {
  it('schema errors and bad names of affected plans, with lines; unaffected broken plans stay quiet', async () => {
    const r = await repo({
      ...OPS,
      'aws/foo/default/broken.yaml': 'chart: stable/x\nnamespace: nope\n',
      'aws/foo/default/Bad_Name.yaml': 'chart: stable/x\n',
      'aws/foo/default/quiet.yaml': 'not: [valid\n',
      'aws/foo/default/alias.yaml': '# uses an alias nobody defined\nchart: nobody/x\n',
      'aws/foo/default/many.yaml':
        'chart: stable/x\nvalues: [missing.yaml]\nhooks:\n  pre-install: [../escape.sh]\n'
    })
    const p = await plan(r, diff, [
      { path: 'aws/foo/default/broken.yaml', status: 'added' },
      { path: 'aws/foo/default/Bad_Name.yaml', status: 'added' },
      { path: 'aws/foo/default/alias.yaml', status: 'added' },
      { path: 'aws/foo/default/many.yaml', status: 'added' },
      { path: 'aws/foo/default/demo.yaml', status: 'modified' }
    ])
    expect(steps(p)).toEqual([
      'aws/foo: apply aws/foo/default/demo.yaml (aws/foo/default/demo.yaml modified)'
    ])
    expect(problems(p)).toEqual([
      "aws/foo/default/Bad_Name.yaml release name 'Bad_Name' (the file name without extension) must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 53 characters",
      "aws/foo/default/alias.yaml:2 line 2: unknown repository alias 'nobody' in chart 'nobody/x' (known aliases: bitnami, stable); define it in the helm-repositories input or .gitops/repositories.yaml, or write ./nobody/x for a chart in this repository",
      "aws/foo/default/broken.yaml:2 line 2: unknown key 'namespace'; allowed keys: chart, version, values, repository, hooks, needs, driftIgnore, wait, timeout, atomic, set, test, suspend, keep, health, crds",
      "aws/foo/default/many.yaml:2 line 2: values file 'missing.yaml' does not exist in the repository (paths are relative to the repository root); line 4: pre-install hook '../escape.sh' leaves the repository; paths are relative to the repository root"
    ])
    expect(p.problems[0]?.target).toEqual({
      plan: 'aws/foo/default/Bad_Name.yaml',
      setup: 'aws/foo',
      namespace: 'default',
      release: 'Bad_Name'
    })
  })

  it('a removed values file fails the plans that still use it', async () => {
    const files = { ...OPS }
    delete files['values/team-a.yaml']
    const p = await plan(await repo(files), diff, [
      { path: 'values/team-a.yaml', status: 'removed' }
    ])
    expect(steps(p)).toEqual([])
    expect(problems(p)).toEqual([
      "aws/foo/team-a/greeting:2 line 2: values file 'values/team-a.yaml' does not exist in the repository (paths are relative to the repository root)"
    ])
  })

  it('symlinks: followed inside the repository, refused when they leave it', async () => {
    const outside = await tempDir()
    const r = await repo({
      'values/real.yaml': 'a: 1\n',
      'a/b/ns/inside.yaml': 'chart: stable/x\nvalues: values/link.yaml\n',
      'a/b/ns/outside.yaml': 'chart: stable/x\nvalues: values/secret.yaml\n'
    })
    await r.link('values/link.yaml', 'real.yaml')
    await r.link('values/secret.yaml', `${outside}/secret.yaml`)
    await (await import('node:fs/promises')).writeFile(`${outside}/secret.yaml`, 'password: x\n')
    await r.link('a/b/ns/escaped.yaml', `${outside}/secret.yaml`)
    const p = await plan(r, all)
    expect(steps(p)).toEqual(['a/b: apply a/b/ns/inside.yaml (branch main was created)'])
    const inside = p.setups[0]?.steps[0]
    expect(inside?.action === 'apply' && inside.spec.values).toEqual(['values/real.yaml'])
    expect(problems(p)).toEqual([
      'a/b/ns/escaped.yaml the plan file is a symlink that leads outside the repository',
      "a/b/ns/outside.yaml:2 line 2: values file 'values/secret.yaml' resolves (through a symlink) outside the repository"
    ])
    // A change to the link's target affects the plan that names the link.
    expect(steps(await plan(r, diff, [{ path: 'values/real.yaml', status: 'modified' }]))).toEqual([
      'a/b: apply a/b/ns/inside.yaml (values file values/real.yaml modified)'
    ])
  })

  it('a local chart with a symlink that leaves the repository is refused', async () => {
    const r = await repo({
      ...OPS,
      'a/b/ns/leaky.yaml': 'chart: ./charts/leaky\n',
      'charts/leaky/Chart.yaml': 'apiVersion: v2\nname: leaky\nversion: 0.1.0\n',
      'charts/leaky/templates/cm.yaml': 'kind: ConfigMap\n'
    })
    await r.link('charts/leaky/templates/environ.txt', '/proc/self/environ')
    await r.link('charts/greeting/templates/same.yaml', 'cm.yaml')
    const p = await plan(r, all)
    expect(problems(p)).toEqual([
      "a/b/ns/leaky.yaml:1 line 1: local chart './charts/leaky' holds a symlink 'charts/leaky/templates/environ.txt' that leads outside the repository, which helm would follow; remove it or point it inside the repository"
    ])
    expect(steps(p)).toContain('aws/foo: apply aws/foo/team-a/greeting (branch main was created)')
  })

  it('every folder helm reads for a local chart: file:// dependencies, vendored subcharts, linked folders', async () => {
    const outside = await tempDir()
    const chart = (name: string, deps = ''): Record<string, string> => ({
      [`${name}/Chart.yaml`]: `apiVersion: v2\nname: x\nversion: 0.1.0\n${deps}`,
      [`${name}/templates/cm.yaml`]: 'kind: ConfigMap\n'
    })
    const dep = (repository: string): string =>
      `dependencies:\n  - name: lib\n    version: 0.1.0\n    repository: ${JSON.stringify(repository)}\n`
    const r = await repo({
      ...chart('charts/good', dep('file://../../vendor/lib')),
      ...chart('vendor/lib'),
      ...chart('vendor/leaky'),
      ...chart('charts/out', dep(`file://../../../${outside.split('/').pop() ?? ''}`)),
      ...chart('charts/abs', dep('file:///etc')),
      ...chart('charts/root', dep('file://../..')),
      ...chart('charts/viadep', dep('file://../../vendor/leaky')),
      ...chart('charts/v1'),
      'charts/v1/requirements.yaml': dep('file://../../../x'),
      ...chart('charts/locked'),
      'charts/locked/Chart.lock': `${dep('file:///home')}digest: sha256:0\n`,
      ...chart('charts/vendored'),
      ...chart('charts/vendored/charts/sub', dep('file://../../../../../etc')),
      ...chart('charts/gitlink'),
      ...chart('charts/rootlink'),
      ...chart('charts/linked'),
      'a/b/ns/good.yaml': 'chart: ./charts/good\n',
      'a/b/ns/out.yaml': 'chart: ./charts/out\n',
      'a/b/ns/abs.yaml': 'chart: ./charts/abs\n',
      'a/b/ns/root.yaml': 'chart: ./charts/root\n',
      'a/b/ns/viadep.yaml': 'chart: ./charts/viadep\n',
      'a/b/ns/v1.yaml': 'chart: ./charts/v1\n',
      'a/b/ns/locked.yaml': 'chart: ./charts/locked\n',
      'a/b/ns/vendored.yaml': 'chart: ./charts/vendored\n',
      'a/b/ns/gitlink.yaml': 'chart: ./charts/gitlink\n',
      'a/b/ns/rootlink.yaml': 'chart: ./charts/rootlink\n',
      'a/b/ns/linked.yaml': 'chart: ./charts/linked\n'
    })
    await r.link('vendor/leaky/env', '/proc/self/environ')
    await r.link('charts/gitlink/gitdir', '../../.git')
    await r.link('charts/rootlink/templates/all', '../../..')
    await r.link('charts/linked/charts/lib', '../../../vendor/leaky')
    const p = await plan(r, all)
    const why =
      'a file:// dependency must be a chart folder of the repository, relative to the chart that names it'
    const link = 'which helm would follow; remove it or point it inside the repository'
    expect(problems(p)).toEqual([
      `a/b/ns/abs.yaml:1 line 1: local chart './charts/abs' has a dependency 'file:///etc' (in charts/abs/Chart.yaml) that resolves outside the repository; ${why}`,
      `a/b/ns/gitlink.yaml:1 line 1: local chart './charts/gitlink' holds a symlink 'charts/gitlink/gitdir' that leads to files that are not part of the deployed commit (such as .git), ${link}`,
      `a/b/ns/linked.yaml:1 line 1: local chart './charts/linked' reads folder 'vendor/leaky', which holds a symlink 'vendor/leaky/env' that leads outside the repository, ${link}`,
      `a/b/ns/locked.yaml:1 line 1: local chart './charts/locked' has a dependency 'file:///home' (in charts/locked/Chart.lock) that resolves outside the repository; ${why}`,
      `a/b/ns/out.yaml:1 line 1: local chart './charts/out' has a dependency 'file://../../../${outside.split('/').pop() ?? ''}' (in charts/out/Chart.yaml) that resolves outside the repository; ${why}`,
      `a/b/ns/root.yaml:1 line 1: local chart './charts/root' has a dependency 'file://../..' (in charts/root/Chart.yaml) that resolves outside the repository; ${why}`,
      `a/b/ns/rootlink.yaml:1 line 1: local chart './charts/rootlink' holds a symlink 'charts/rootlink/templates/all' that leads to files that are not part of the deployed commit (such as .git), ${link}`,
      `a/b/ns/v1.yaml:1 line 1: local chart './charts/v1' has a dependency 'file://../../../x' (in charts/v1/requirements.yaml) that resolves outside the repository; ${why}`,
      `a/b/ns/vendored.yaml:1 line 1: local chart './charts/vendored' has a dependency 'file://../../../../../etc' (in charts/vendored/charts/sub/Chart.yaml) that resolves outside the repository; ${why}`,
      `a/b/ns/viadep.yaml:1 line 1: local chart './charts/viadep' reads folder 'vendor/leaky', which holds a symlink 'vendor/leaky/env' that leads outside the repository, ${link}`
    ])
    expect(steps(p)).toEqual(['a/b: apply a/b/ns/good.yaml (branch main was created)'])
    // A change inside a dependency folder affects the plans whose charts read it.
    expect(
      steps(await plan(r, diff, [{ path: 'vendor/lib/templates/cm.yaml', status: 'modified' }]))
    ).toEqual([
      'a/b: apply a/b/ns/good.yaml (local chart vendor/lib: vendor/lib/templates/cm.yaml modified)'
    ])
  })

  it('two files for one release both fail', async () => {
    const p = await plan(
      await repo({
        'a/b/ns/demo.yaml': 'chart: stable/x\n',
        'a/b/ns/demo.yml': 'chart: stable/y\n'
      }),
      all
    )
    expect(steps(p)).toEqual([])
    expect(problems(p)).toEqual([
      "a/b/ns/demo.yaml release 'demo' in namespace 'ns' of setup 'a/b' is also defined by a/b/ns/demo.yml; keep one file",
      "a/b/ns/demo.yml release 'demo' in namespace 'ns' of setup 'a/b' is also defined by a/b/ns/demo.yaml; keep one file"
    ])
  })

  it.each([
    [
      'chart: ./charts/none\n',
      "line 1: local chart './charts/none' does not exist in the repository (paths are relative to the repository root)"
    ],
    ['chart: ./values\n', "line 1: local chart './values' has no Chart.yaml"],
    [
      'chart: ./charts/greeting\nversion: 1.0.0\n',
      "line 2: 'version' has no effect on a local chart (its Chart.yaml sets it); remove it"
    ],
    [
      'chart: stable/x\nvalues: /etc/passwd\n',
      "line 2: values file '/etc/passwd' leaves the repository; paths are relative to the repository root"
    ],
    [
      'chart: nginx\n',
      "line 1: 'chart' 'nginx' is not a chart reference: write alias/name, oci://..., https://.../name.tgz, ./path in this repository, or a bare name with 'repository:'"
    ],
    [
      'chart: stable/x\nrepository: https://charts.example.com\n',
      "line 1: with 'repository', 'chart' must be a bare chart name (got 'stable/x')"
    ],
    [
      'chart: nginx\nrepository: https://user:hunter22@charts.example.com\n',
      "line 2: 'repository' holds credentials, which must not be committed: define an alias in the helm-repositories input from a secret"
    ],
    [
      'chart: https://user:hunter22@charts.example.com/x-1.0.0.tgz\n',
      "line 1: 'chart' holds credentials, which must not be committed: define an alias with them in the helm-repositories input from a secret, and write alias/name"
    ],
    [
      'chart: oci://user:hunter22@ghcr.io/org/x\n',
      "line 1: 'chart' holds credentials, which must not be committed: define an alias with them in the helm-repositories input from a secret, and write alias/name"
    ],
    [
      'chart: stable/x\nvalues: [values/50%.yaml]\n',
      "line 2: values file 'values/50%.yaml' has a '%' in its path, which helm reads as a URL escape and cannot open; rename the file"
    ],
    [
      'chart: stable/x\nvalues: [values/huge.yaml]\n',
      "line 2: values file 'values/huge.yaml' is 8388609 bytes; a values file may be at most 8388608 bytes"
    ],
    [
      'chart: nginx\nrepository: oci://ghcr.io/x\n',
      "line 2: 'repository' must be an http(s) chart repository URL; write an oci:// chart as `chart: oci://...`"
    ]
  ])('chart problem: %j', async (text, message) => {
    const p = await plan(
      await repo({
        ...OPS,
        'aws/foo/default/x.yaml': text,
        'values/50%.yaml': 'a: 1\n',
        'values/huge.yaml': '#'.repeat(8 * 1024 * 1024 + 1)
      }),
      diff,
      [{ path: 'aws/foo/default/x.yaml', status: 'added' }]
    )
    expect(problems(p)).toEqual([
      `aws/foo/default/x.yaml:${/line (\d+)/.exec(message)?.[1]} ${message}`
    ])
  })
})

describe('planDeployment: .gitops/repositories.yaml', () => {
  it('the input wins over the file for the same alias', async () => {
    const p = await plan(
      await repo({
        ...OPS,
        '.gitops/repositories.yaml':
          'repositories:\n  - name: stable\n    url: https://old.example.com\n'
      }),
      all
    )
    expect(p.repositories).toEqual([{ name: 'stable', url: 'https://charts.example.com/stable' }])
  })

  it.each([
    [
      'repositories:\n  - name: private\n    url: https://bob:s3cret-pass@charts.example.com\n',
      ".gitops/repositories.yaml line 3: the url of repository 'private' holds credentials, which must not be committed: give this repository in the helm-repositories input, from a secret (and rotate the leaked password)"
    ],
    [
      'repositories:\n  - name: private\n    url: https://charts.example.com\n    password: s3cret-pass\n',
      ".gitops/repositories.yaml line 4: 'password' is a credential and must not be committed: give this repository in the helm-repositories input, from a secret"
    ],
    [
      'repositories:\n  - name: a\n    url: https://a\n  - name: a\n    url: https://b\n',
      ".gitops/repositories.yaml: alias 'a' is defined twice"
    ],
    [
      'repos: []\n',
      '.gitops/repositories.yaml line 1: unknown key; the file must be `repositories:` with a list of `name:` and `url:` entries'
    ],
    ['repositories: [\n', '.gitops/repositories.yaml line 2: invalid YAML: ']
  ])('stops the run on a bad file: %j', async (text, message) => {
    await expect(
      plan(await repo({ ...OPS, '.gitops/repositories.yaml': text }), all)
    ).rejects.toThrow(message)
  })
})

describe('planDeployment: release options', () => {
  it('a removed plan carries what the base commit said: keep from the defaults, suspend, uninstall hooks in that commit', async () => {
    const r = await repo({
      ...OPS,
      '.gitops/defaults.yaml': 'namespaces:\n  aws/foo/data:\n    keep: true\n',
      'hooks/drain.sh': 'echo drain\n',
      'aws/foo/data/db.yaml': 'chart: stable/db\n',
      'aws/foo/app/paused.yaml': 'chart: stable/x\nsuspend: true\n',
      'aws/foo/app/web.yaml':
        'chart: stable/x\nhooks:\n  pre-uninstall: [hooks/drain.sh]\n  post-uninstall: [hooks/drain.sh]\n'
    })
    const gone = ['aws/foo/data/db.yaml', 'aws/foo/app/paused.yaml', 'aws/foo/app/web.yaml']
    const p = await planRemoval(r, [...gone, 'hooks/drain.sh'])
    expect(p.problems).toEqual([])
    const removals = Object.fromEntries(
      p.setups
        .flatMap((s) => s.steps)
        .map((s) => [s.target.plan, s.action === 'uninstall' ? s.removal : undefined])
    )
    const drain = ['hooks/drain.sh']
    const base = (await git(r.dir, 'rev-parse', 'HEAD~1')).trim()
    expect(removals).toEqual({
      'aws/foo/data/db.yaml': { keep: true, suspend: false },
      'aws/foo/app/paused.yaml': { keep: false, suspend: true },
      'aws/foo/app/web.yaml': {
        keep: false,
        suspend: false,
        hooks: { commit: base, 'pre-uninstall': drain, 'post-uninstall': drain }
      }
    })
  })

  it('removed plans with the same text each keep what they asked for, and same-text hook scripts are each read', async () => {
    const twin = 'chart: stable/db\nkeep: true\nhooks:\n  pre-uninstall: [hooks/drain.sh]\n'
    const r = await repo({
      ...OPS,
      'hooks/drain.sh': 'echo drain\n',
      'hooks/drain-too.sh': 'echo drain\n',
      'aws/foo/data/db.yaml': twin,
      'gcp/bar/data/db.yaml': twin,
      'gcp/bar/data/cache.yaml': 'chart: stable/x\nhooks:\n  pre-uninstall: [hooks/drain-too.sh]\n'
    })
    const gone = ['aws/foo/data/db.yaml', 'gcp/bar/data/db.yaml', 'gcp/bar/data/cache.yaml']
    const p = await planRemoval(r, gone)
    expect(p.problems).toEqual([])
    const removals = Object.fromEntries(
      p.setups
        .flatMap((s) => s.steps)
        .map((s) => [s.target.plan, s.action === 'uninstall' ? s.removal : undefined])
    )
    const base = (await git(r.dir, 'rev-parse', 'HEAD~1')).trim()
    const hooks = (path: string): Removal['hooks'] => ({
      commit: base,
      'pre-uninstall': [path],
      'post-uninstall': []
    })
    expect(removals).toEqual({
      'aws/foo/data/db.yaml': { keep: true, suspend: false, hooks: hooks('hooks/drain.sh') },
      'gcp/bar/data/db.yaml': { keep: true, suspend: false, hooks: hooks('hooks/drain.sh') },
      'gcp/bar/data/cache.yaml': { keep: false, suspend: false, hooks: hooks('hooks/drain-too.sh') }
    })
  })

  it('options over the defaults land in the spec; a changed defaults file affects every plan', async () => {
    const r = await repo({
      ...OPS,
      '.gitops/defaults.yaml':
        'all:\n  wait: true\n  health: { enable: false, ignore: [Job/seed] }\nsetups:\n  gcp/bar:\n    atomic: true\n    crds: create-replace\n',
      'gcp/bar/web/site.yaml':
        'chart: oci://ghcr.io/org/charts/site\nversion: "3.1"\natomic: false\nset:\n  image.tag: v2\nhealth:\n  ignore: [Service/lb]\n'
    })
    const p = await plan(r, diff, [{ path: '.gitops/defaults.yaml', status: 'modified' }])
    expect(steps(p)).toHaveLength(6)
    const specs = Object.fromEntries(
      p.setups
        .flatMap((s) => s.steps)
        .map((s) => [s.target.plan, s.action === 'apply' ? s.spec.options : undefined])
    )
    expect(specs['gcp/bar/web/site.yaml']).toEqual({
      wait: true,
      atomic: false,
      set: { image: { tag: 'v2' } },
      test: undefined,
      suspend: false,
      keep: false,
      health: { enable: true, expressions: [], ignore: ['Job/seed', 'Service/lb'] },
      crds: 'create-replace'
    })
    expect(specs['gcp/bar/web/proxy.yaml']).toMatchObject({
      wait: true,
      atomic: true,
      crds: 'create-replace',
      health: { enable: false, expressions: [], ignore: ['Job/seed'] }
    })
    expect(specs['aws/foo/default/demo.yaml']).toMatchObject({ wait: true, crds: 'create' })
    expect(specs['aws/foo/default/demo.yaml']?.atomic).toBeUndefined()
  })

  it('a defaults file with a problem stops the run with its line', async () => {
    const r = await repo({ ...OPS, '.gitops/defaults.yaml': 'all:\n  wait: maybe\n' })
    await expect(plan(r, all)).rejects.toThrow(
      ".gitops/defaults.yaml line 2: all: 'wait' must be true or false"
    )
  })
})

describe('planDeployment: waves', () => {
  const waves = (...globs: string[][]): Config['waves'] =>
    globs.map((g, i) => ({ line: i + 1, globs: g }))
  const health = (p: DeploymentPlan): Record<string, boolean> =>
    Object.fromEntries(
      p.setups
        .flatMap((s) => s.steps)
        .flatMap((s) =>
          s.action === 'apply' ? [[s.target.plan, s.spec.options.health.enable]] : []
        )
    )

  it('affected setups in wave order; every plan of a named setup is health-checked', async () => {
    const p = await plan(await repo(), all, [], { waves: waves(['gcp/*']) })
    expect(p.waves).toEqual([['gcp/bar'], ['aws/foo']])
    expect(health(p)).toEqual({
      'aws/foo/default/demo.yaml': false,
      'aws/foo/default/redis.yml': false,
      'aws/foo/team-a/greeting': false,
      'gcp/bar/web/proxy.yaml': true,
      'gcp/bar/web/site.yaml': true,
      'gcp/bar/web/tarball.yaml': true
    })
  })

  it('without the input: one wave, nothing health-checked that the plans do not ask for', async () => {
    const p = await plan(await repo(), all)
    expect(p.waves).toEqual([['aws/foo', 'gcp/bar']])
    expect(Object.values(health(p))).not.toContain(true)
  })

  it('a line is checked against every setup of the repository, not only the affected ones', async () => {
    const p = await plan(
      await repo(),
      diff,
      [{ path: 'aws/foo/default/demo.yaml', status: 'modified' }],
      {
        waves: waves(['gcp/*'], ['aws/*'])
      }
    )
    expect(p.waves).toEqual([['aws/foo']])
  })

  it('a setup with only a broken plan file joins its wave (its failure stops the rollout)', async () => {
    const r = await repo({ ...OPS, 'azure/x/ns/bad.yaml': 'chart: [\n' })
    const p = await plan(r, all, [], { waves: waves(['azure/*']) })
    expect(p.waves).toEqual([['azure/x'], ['aws/foo', 'gcp/bar']])
    expect(p.problems.map((q) => q.target.plan)).toEqual(['azure/x/ns/bad.yaml'])
  })

  it('a setup whose last plan the commit removes still counts as a setup of the repository', async () => {
    const p = await plan(
      await repo(),
      diff,
      [{ path: 'azure/x/ns/gone.yaml', status: 'removed' }],
      {
        waves: waves(['azure/*'])
      }
    )
    expect(steps(p)).toEqual([
      'azure/x: uninstall azure/x/ns/gone.yaml (azure/x/ns/gone.yaml removed)'
    ])
    expect(p.waves).toEqual([['azure/x']])
  })

  it('a line that matches no setup stops the planning with the line, before any plan is chosen', async () => {
    await expect(
      plan(await repo(), all, [], { waves: waves(['gcp/*'], ['aws/fo']) })
    ).rejects.toThrow(
      "input 'waves' line 2 (aws/fo) matches no setup of the repository (its setups are aws/foo, gcp/bar); correct the glob or remove the line. Nothing was deployed."
    )
  })
})
