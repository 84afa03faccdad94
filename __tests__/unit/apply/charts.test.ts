import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ChartResolver, chartReference } from '../../../src/apply/charts.ts'
import { fakeHelm, type FakeHelm } from '../../support/fakes/helm.ts'

const aliases = [
  { name: 'stable', url: 'https://charts.example/stable' },
  { name: 'private', url: 'https://bob:pw@charts.example/private' },
  { name: 'oci', url: 'oci://u:pw@registry.example/charts/' }
]

describe('chartReference', () => {
  it('a repo alias needs `helm repo add` once', () => {
    expect(
      chartReference({ kind: 'alias', alias: 'stable', name: 'nuclio' }, aliases, '/repo')
    ).toEqual({
      ref: 'stable/nuclio',
      setup: { kind: 'repo', name: 'stable', url: 'https://charts.example/stable' }
    })
  })
  it('an alias with an oci URL becomes an OCI reference with a login, without credentials', () => {
    expect(chartReference({ kind: 'alias', alias: 'oci', name: 'demo' }, aliases, '/repo')).toEqual(
      {
        ref: 'oci://registry.example/charts/demo',
        setup: {
          kind: 'oci-login',
          url: 'oci://u:pw@registry.example/charts/demo',
          login: { username: 'u', password: 'pw' }
        }
      }
    )
  })
  it('a repository URL gets a stable generated alias', () => {
    const a = chartReference(
      { kind: 'repository', url: 'https://x.example/charts', name: 'web' },
      aliases,
      '/repo'
    )
    const b = chartReference(
      { kind: 'repository', url: 'https://x.example/charts', name: 'api' },
      aliases,
      '/repo'
    )
    expect(a.ref).toMatch(/^gitops-[0-9a-f]{12}\/web$/)
    expect(a.setup).toEqual(b.setup)
  })
  it('a repository URL that an alias names uses that alias and its credentials', () => {
    expect(
      chartReference(
        { kind: 'repository', url: 'https://charts.example/private/', name: 'web' },
        aliases,
        '/repo'
      )
    ).toEqual({
      ref: 'private/web',
      setup: { kind: 'repo', name: 'private', url: 'https://bob:pw@charts.example/private' }
    })
  })
  it('OCI without credentials and chart URLs need nothing', () => {
    expect(
      chartReference({ kind: 'oci', ref: 'oci://127.0.0.1:5000/charts/demo' }, aliases, '/repo')
    ).toEqual({
      ref: 'oci://127.0.0.1:5000/charts/demo'
    })
    expect(
      chartReference({ kind: 'url', url: 'https://x/demo-1.0.0.tgz' }, aliases, '/repo')
    ).toEqual({ ref: 'https://x/demo-1.0.0.tgz' })
  })
  it('an OCI chart on the registry of an alias with credentials logs in with them; other hosts get none', () => {
    expect(
      chartReference({ kind: 'oci', ref: 'oci://registry.example/other/demo' }, aliases, '/repo')
    ).toEqual({
      ref: 'oci://registry.example/other/demo',
      setup: {
        kind: 'oci-login',
        url: 'oci://u:pw@registry.example/charts/',
        login: { username: 'u', password: 'pw' }
      }
    })
    expect(
      chartReference({ kind: 'oci', ref: 'oci://elsewhere.example/charts/demo' }, aliases, '/repo')
    ).toEqual({ ref: 'oci://elsewhere.example/charts/demo' })
  })
  it('a local chart resolves under the workspace', () => {
    expect(chartReference({ kind: 'local', path: 'charts/web' }, aliases, '/repo').ref).toBe(
      '/repo/charts/web'
    )
  })
  it('an unknown alias names the inputs to fix', () => {
    expect(() =>
      chartReference({ kind: 'alias', alias: 'nope', name: 'x' }, aliases, '/repo')
    ).toThrow(
      /unknown chart repository alias "nope".*helm-repositories.*\.gitops\/repositories\.yaml/
    )
  })
})

describe('ChartResolver', () => {
  const env = { HELM_REPOSITORY_CONFIG: '/run/repositories.yaml' }

  /** A workspace with chart `charts/app`, its Chart.yaml declaring `dependencies`, `vendored` in its charts/. */
  function workspace(dependencies: string, vendored: readonly string[] = []): string {
    const root = mkdtempSync(join(tmpdir(), 'charts-'))
    const chart = join(root, 'charts', 'app')
    mkdirSync(join(chart, 'charts'), { recursive: true })
    writeFileSync(
      join(chart, 'Chart.yaml'),
      `apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n${dependencies}`
    )
    for (const entry of vendored) mkdirSync(join(chart, 'charts', entry))
    return root
  }

  const resolver = (helm: FakeHelm, root = '/repo') =>
    new ChartResolver(helm, aliases, root, { env })

  const brief = (helm: FakeHelm) =>
    helm.chartCalls.map((c) =>
      [c.operation, c.subject, c.url, c.login && `${c.login.username}:${c.login.password}`]
        .filter((part) => part !== undefined)
        .join(' ')
    )

  const redis = `  - name: redis\n    version: 1.2.3\n    repository: https://charts.example/stable\n`
  const db = `  - name: db\n    version: 2.0.0\n    repository: '@private'\n`

  it('a local chart with its dependencies vendored calls no helm', async () => {
    const root = workspace(redis + db, ['redis', 'db'])
    const helm = fakeHelm()
    expect(await resolver(helm, root).resolve({ kind: 'local', path: 'charts/app' })).toBe(
      join(root, 'charts', 'app')
    )
    expect(helm.chartCalls).toEqual([])
  })

  it('a missing dependency: every repository added, then one dependency build in the chart folder', async () => {
    const root = workspace(redis + db, ['redis'])
    const helm = fakeHelm()
    const charts = resolver(helm, root)
    await charts.resolve({ kind: 'local', path: 'charts/app' })
    await charts.resolve({ kind: 'local', path: 'charts/app' })
    expect(brief(helm)).toEqual([
      'repo-add stable https://charts.example/stable',
      'repo-add private https://charts.example/private bob:pw',
      `dependency-build ${join(root, 'charts', 'app')}`
    ])
    expect(helm.chartCalls.every((c) => c.env === env)).toBe(true)
  })

  it("a failed dependency build names the missing dependency and helm's error", async () => {
    const root = workspace(redis + db, ['db'])
    const helm = fakeHelm({
      'dependency-build': new Error('helm dependency failed: no cached repo')
    })
    await expect(
      resolver(helm, root).resolve({ kind: 'local', path: 'charts/app' })
    ).rejects.toThrow(
      /local chart charts\/app could not be built: redis 1\.2\.3 is not in its charts\/ folder; helm dependency build: helm dependency failed: no cached repo/
    )
  })

  it("local charts are read from the commit's files, not from the checkout; other charts ask for none", async () => {
    const checkout = workspace(redis, ['redis'])
    const committed = workspace(redis)
    const helm = fakeHelm()
    let written = 0
    const charts = new ChartResolver(helm, aliases, checkout, { env }, () => {
      written++
      return Promise.resolve(committed)
    })
    await charts.resolve({ kind: 'alias', alias: 'private', name: 'web' })
    expect(written).toBe(0)
    expect(await charts.resolve({ kind: 'local', path: 'charts/app' })).toBe(
      join(committed, 'charts', 'app')
    )
    // The checkout's redis is no part of the commit: it is built, in the commit's copy.
    expect(brief(helm).at(-1)).toBe(`dependency-build ${join(committed, 'charts', 'app')}`)
  })

  it("the commit's files that cannot be written fail the local chart, naming why", async () => {
    const charts = new ChartResolver(fakeHelm(), aliases, '/repo', { env }, () =>
      Promise.reject(new Error('git read-tree failed'))
    )
    await expect(charts.resolve({ kind: 'local', path: 'charts/app' })).rejects.toThrow(
      "the commit's files, where local charts are read from, could not be written: git read-tree failed"
    )
  })

  it('a repo alias is added once per run, its URL without credentials and the password for stdin', async () => {
    const helm = fakeHelm()
    const charts = resolver(helm)
    expect(await charts.resolve({ kind: 'alias', alias: 'private', name: 'web' })).toBe(
      'private/web'
    )
    await charts.resolve({ kind: 'alias', alias: 'private', name: 'api' })
    await charts.resolve({ kind: 'repository', url: 'https://charts.example/private', name: 'x' })
    expect(brief(helm)).toEqual(['repo-add private https://charts.example/private bob:pw'])
  })

  it('a failed repository set-up is tried again by the next plan that needs it', async () => {
    let failures = 1
    const helm = fakeHelm({
      'repo-add': () =>
        failures-- > 0 ? Promise.reject(new Error('connection refused')) : Promise.resolve()
    })
    const charts = resolver(helm)
    await expect(charts.resolve({ kind: 'alias', alias: 'stable', name: 'web' })).rejects.toThrow(
      'could not set up chart repository stable (https://charts.example/stable): connection refused'
    )
    expect(await charts.resolve({ kind: 'alias', alias: 'stable', name: 'web' })).toBe('stable/web')
    expect(brief(helm)).toEqual([
      'repo-add stable https://charts.example/stable',
      'repo-add stable https://charts.example/stable'
    ])
  })

  it('warm sets up each repository and registry once before any plan asks; local charts and unknown aliases are left to resolve', async () => {
    const helm = fakeHelm()
    const charts = resolver(helm)
    charts.warm([
      { kind: 'alias', alias: 'stable', name: 'web' },
      { kind: 'alias', alias: 'stable', name: 'api' },
      { kind: 'alias', alias: 'oci', name: 'demo' },
      { kind: 'alias', alias: 'nowhere', name: 'x' },
      { kind: 'local', path: 'charts/app' }
    ])
    expect(brief(helm)).toEqual([
      'repo-add stable https://charts.example/stable',
      'registry-login registry.example u:pw'
    ])
    expect(await charts.resolve({ kind: 'alias', alias: 'stable', name: 'web' })).toBe('stable/web')
    expect(brief(helm)).toHaveLength(2)
  })

  it('a failed warm-up is tried again, and reported, by the plan that needs it', async () => {
    const helm = fakeHelm({ 'repo-add': () => Promise.reject(new Error('connection refused')) })
    const charts = resolver(helm)
    charts.warm([{ kind: 'alias', alias: 'stable', name: 'web' }])
    await new Promise((resolve) => setImmediate(resolve))
    await expect(charts.resolve({ kind: 'alias', alias: 'stable', name: 'web' })).rejects.toThrow(
      'could not set up chart repository stable (https://charts.example/stable): connection refused'
    )
    expect(brief(helm)).toHaveLength(2)
  })

  it('an OCI chart logs in to its registry once with the credentials of the alias on that host', async () => {
    const helm = fakeHelm()
    const charts = resolver(helm)
    expect(await charts.resolve({ kind: 'oci', ref: 'oci://registry.example/other/demo' })).toBe(
      'oci://registry.example/other/demo'
    )
    await charts.resolve({ kind: 'alias', alias: 'oci', name: 'demo' })
    await charts.resolve({ kind: 'oci', ref: 'oci://elsewhere.example/charts/demo' })
    expect(brief(helm)).toEqual(['registry-login registry.example u:pw'])
  })
})
