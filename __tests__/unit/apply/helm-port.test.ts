import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { helmPort } from '../../../src/apply/helm-port.ts'

// The real helm port: each operation's arguments (from helm-args.ts), the command
// line announced before it runs, and helm's "no such release" read as no history.

const target = { setup: 's/a', namespace: 'ns', release: 'web', plan: 's/a/ns/web.yaml' }

/** A helm that prints its arguments, or fails as `stderr` says for release `gone`. */
function binary(stderr = 'Error: release: not found'): string {
  const dir = mkdtempSync(join(tmpdir(), 'helm-port-'))
  const path = join(dir, 'helm')
  writeFileSync(
    path,
    `#!/bin/sh\nif [ "$2" = "gone" ]; then echo '${stderr}' >&2; exit 1; fi\necho "$@"\n`
  )
  chmodSync(path, 0o755)
  return path
}

describe('helmPort', () => {
  const announced: string[] = []
  const call = { env: { PATH: process.env.PATH ?? '' }, announce: (c: string) => announced.push(c) }

  it.each<
    [string, (port: ReturnType<typeof helmPort>) => Promise<string | undefined | void>, string]
  >([
    ['history', (p) => p.history(target, call), 'history web --namespace ns --output json'],
    ['manifest', (p) => p.manifest(target, call), 'get manifest web --namespace ns'],
    ['hooks', (p) => p.hooks(target, call), 'get hooks web --namespace ns'],
    ['values', (p) => p.values(target, call), 'get values web --namespace ns --output json'],
    ['status', (p) => p.status(target, call), 'status web --namespace ns --output json'],
    [
      'template',
      (p) =>
        p.template(
          { target, chart: '/c', values: [], userArgs: ['--atomic', '--reuse-values'] },
          call
        ),
      'template web /c --namespace ns --atomic'
    ],
    [
      'template with the CRDs of crds/',
      (p) => p.template({ target, chart: '/c', values: [], userArgs: [], includeCrds: true }, call),
      'template web /c --namespace ns --include-crds'
    ]
  ])('%s', async (_name, run, args) => {
    announced.length = 0
    const port = helmPort({ path: binary(), version: 'v4.0.0', major: 4 })
    expect((await run(port))?.trim()).toBe(args)
    expect(announced).toEqual([`helm ${args}`])
  })

  it('no history at all is undefined; another failure is thrown', async () => {
    const gone = { ...target, release: 'gone' }
    expect(await helmPort({ path: binary(), version: 'v4', major: 4 }).history(gone, call)).toBe(
      undefined
    )
    await expect(
      helmPort({
        path: binary('Error: Kubernetes cluster unreachable'),
        version: 'v4',
        major: 4
      }).history(gone, call)
    ).rejects.toThrow('helm history failed: Kubernetes cluster unreachable')
  })

  it.each<[string, (port: ReturnType<typeof helmPort>) => Promise<void>, string]>([
    [
      'repo add with a login',
      (p) => p.repoAdd('private', 'https://x.example/c', { username: 'bob', password: 'pw' }, call),
      'repo add private https://x.example/c --force-update --username bob --password-stdin\npw'
    ],
    [
      'repo add without one',
      (p) => p.repoAdd('stable', 'https://x.example/s', undefined, call),
      'repo add stable https://x.example/s --force-update\n'
    ],
    [
      'registry login',
      (p) => p.registryLogin('registry.example', { username: 'u', password: 'pw' }, call),
      'registry login registry.example --username u --password-stdin\npw'
    ],
    [
      'dependency build',
      (p) => p.dependencyBuild('/w/charts/app', call),
      'dependency build /w/charts/app --skip-refresh\n'
    ]
  ])('%s: its arguments, the password on stdin only', async (_name, run, seen) => {
    const dir = mkdtempSync(join(tmpdir(), 'helm-port-'))
    const path = join(dir, 'helm')
    writeFileSync(path, `#!/bin/sh\necho "$@" > "${dir}/seen"\ncat >> "${dir}/seen"\n`)
    chmodSync(path, 0o755)
    announced.length = 0
    await run(helmPort({ path, version: 'v4.0.0', major: 4 }))
    expect(readFileSync(join(dir, 'seen'), 'utf8')).toBe(seen)
    expect(announced.join('\n')).not.toContain('pw')
  })
})
