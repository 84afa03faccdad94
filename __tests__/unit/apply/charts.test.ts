import { describe, expect, it } from 'vitest'
import { chartReference } from '../../../src/apply/charts.ts'

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
        setup: { kind: 'oci-login', url: 'oci://u:pw@registry.example/charts/demo' }
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
      setup: { kind: 'oci-login', url: 'oci://u:pw@registry.example/charts/' }
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
