import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  archiveFacts,
  chartIdentity,
  folderHasCrds,
  pullFolders,
  pulledChartCrds
} from '../../../src/apply/chart-archives.ts'
import { tarFiles } from '../../../src/apply/tar.ts'
import type { ChartSource } from '../../../src/types/plan.ts'
import { chartArchive, tarOf } from '../../support/chart-archive.ts'

// Whether a chart has CRDs in a crds/ folder, told from its folders or from the
// archive helm pulled, so only such a chart is rendered again to read them.

const CRD = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n'

function folder(files: Readonly<Record<string, string | Buffer>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'chart-'))
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return dir
}

describe('tarFiles', () => {
  it('the regular files in order, a path past 100 characters from its PAX header', () => {
    const long = `web/${'templates/'.repeat(12)}cm.yaml`
    const files = [...tarFiles(tarOf({ 'web/Chart.yaml': 'name: web\n', [long]: 'kind: x\n' }))]
    expect(files.map((f) => [f.path, f.data.toString()])).toEqual([
      ['web/Chart.yaml', 'name: web\n'],
      [long, 'kind: x\n']
    ])
  })

  it('a cut archive ends at its last whole file', () => {
    const tar = tarOf({ 'a/one': 'x'.repeat(600), 'a/two': 'y'.repeat(600) })
    expect([...tarFiles(tar.subarray(0, 2048))].map((f) => f.path)).toEqual(['a/one'])
  })

  it("reads helm's own layout: the test archive is a tar helm's reader would take", () => {
    const tar = gunzipSync(chartArchive('web', '1.2.3', { 'values.yaml': 'a: 1\n' }))
    expect([...tarFiles(tar)].map((f) => f.path)).toEqual(['web/Chart.yaml', 'web/values.yaml'])
  })
})

describe('archiveFacts: a chart archive', () => {
  it.each<[string, Record<string, string | Buffer>, boolean]>([
    ['no crds/ folder', { 'templates/cm.yaml': 'kind: ConfigMap\n' }, false],
    ['a CRD in its crds/', { 'crds/widget.yaml': CRD }, true],
    ['a CRD deeper in crds/', { 'crds/v1/widget.json': '{}' }, true],
    [
      'only a README in crds/ (helm takes .yaml, .yml, .json)',
      { 'crds/README.md': '# x\n' },
      false
    ],
    ['CRDs among the templates are no crds/', { 'templates/crds/widget.yaml': CRD }, false],
    [
      "a subchart folder's crds/",
      { 'charts/sub/Chart.yaml': 'name: sub\n', 'charts/sub/crds/a.yml': CRD },
      true
    ],
    [
      'a packed subchart with CRDs',
      { 'charts/sub-0.1.0.tgz': chartArchive('sub', '0.1.0', { 'crds/a.yaml': CRD }) },
      true
    ],
    [
      'a packed subchart without',
      { 'charts/sub-0.1.0.tgz': chartArchive('sub', '0.1.0', { 'templates/a.yaml': 'x: 1\n' }) },
      false
    ]
  ])('%s', async (_name, files, crds) => {
    expect(await archiveFacts(chartArchive('web', '1.2.3', files))).toEqual({
      name: 'web',
      version: '1.2.3',
      crds
    })
  })
})

describe('folderHasCrds: a local chart', () => {
  it.each<[string, Record<string, string | Buffer>, boolean]>([
    ['no crds/ folder', { 'Chart.yaml': 'name: web\n', 'templates/cm.yaml': 'x: 1\n' }, false],
    ['a CRD in crds/', { 'crds/widget.yaml': CRD }, true],
    ['a README alone in crds/', { 'crds/README.md': '# x\n' }, false],
    ['a CRD deeper in crds/', { 'crds/v1/widget.yaml': CRD }, true],
    ['a vendored subchart folder with crds/', { 'charts/sub/crds/a.yaml': CRD }, true],
    [
      'a built dependency archive with crds/',
      { 'charts/sub-0.1.0.tgz': chartArchive('sub', '0.1.0', { 'crds/a.yaml': CRD }) },
      true
    ],
    [
      'a built dependency archive without',
      { 'charts/sub-0.1.0.tgz': chartArchive('sub', '0.1.0') },
      false
    ]
  ])('%s', async (_name, files, crds) => {
    expect(await folderHasCrds(folder(files))).toBe(crds)
  })
})

describe('chartIdentity: the name and version of the archive helm pulls', () => {
  it.each<[string, ChartSource, string | undefined, { name: string; version: string } | undefined]>(
    [
      [
        'an alias chart',
        { kind: 'alias', alias: 'stable', name: 'web' },
        '1.0.0',
        { name: 'web', version: '1.0.0' }
      ],
      [
        'a repository chart',
        { kind: 'repository', url: 'https://charts.example.com', name: 'web' },
        '2.0.0',
        { name: 'web', version: '2.0.0' }
      ],
      [
        'an OCI chart',
        { kind: 'oci', ref: 'oci://ghcr.io/org/charts/web' },
        '1.0.0',
        { name: 'web', version: '1.0.0' }
      ],
      [
        'an OCI chart with a tag in its reference',
        { kind: 'oci', ref: 'oci://ghcr.io/org/web:1.0.0' },
        '1.0.0',
        { name: 'web', version: '1.0.0' }
      ],
      [
        'a URL named <name>-<version>.tgz',
        { kind: 'url', url: 'https://example.com/dl/web-app-1.0.0.tgz?x=1' },
        '1.0.0',
        { name: 'web-app', version: '1.0.0' }
      ],
      [
        'a URL named otherwise',
        { kind: 'url', url: 'https://example.com/latest.tgz' },
        '1.0.0',
        undefined
      ],
      ['no version known', { kind: 'alias', alias: 'stable', name: 'web' }, undefined, undefined],
      [
        'a local chart (its folder is read)',
        { kind: 'local', path: 'charts/web' },
        '1.0.0',
        undefined
      ]
    ]
  )('%s', (_name, source, version, expected) => {
    expect(chartIdentity(source, version)).toEqual(expected)
  })
})

describe('pullFolders: where helm keeps what it pulled', () => {
  it.each<[string, NodeJS.ProcessEnv, NodeJS.Platform, string[]]>([
    [
      'the repository cache (Helm 3) and the content cache (Helm 4) as set',
      { HELM_REPOSITORY_CACHE: '/run/cache', HELM_CONTENT_CACHE: '/content' },
      'linux',
      ['/run/cache', '/content']
    ],
    [
      'the content cache under HELM_CACHE_HOME',
      { HELM_CACHE_HOME: '/hc' },
      'linux',
      ['/hc/content']
    ],
    ['under XDG_CACHE_HOME', { XDG_CACHE_HOME: '/xdg' }, 'darwin', ['/xdg/helm/content']],
    ['Linux: under ~/.cache', { HOME: '/home/u' }, 'linux', ['/home/u/.cache/helm/content']],
    [
      'macOS: under ~/Library/Caches',
      { HOME: '/Users/u' },
      'darwin',
      ['/Users/u/Library/Caches/helm/content']
    ],
    ['Windows: under TEMP', { HOME: '/u', TEMP: '/tmp/w' }, 'win32', ['/tmp/w/helm/content']]
  ])('%s', (_name, env, platform, expected) => {
    expect(pullFolders(env, platform)).toEqual(expected)
  })
})

describe('pulledChartCrds: the archive helm pulled during this run', () => {
  const web = { name: 'web', version: '1.0.0' }
  const caches = (files: Readonly<Record<string, Buffer>>) => {
    const dir = folder(files)
    return {
      dir,
      env: { HELM_REPOSITORY_CACHE: join(dir, 'repo'), HELM_CONTENT_CACHE: join(dir, 'content') }
    }
  }

  it.each<[string, Record<string, Buffer>, 'none' | 'some' | 'unknown']>([
    [
      "Helm 3's repository cache, no CRDs",
      { 'repo/web-1.0.0.tgz': chartArchive('web', '1.0.0') },
      'none'
    ],
    [
      "Helm 4's content cache, by digest, with CRDs",
      { 'content/ab/ab12.chart': chartArchive('web', '1.0.0', { 'crds/a.yaml': CRD }) },
      'some'
    ],
    ['another version only', { 'repo/web-1.1.0.tgz': chartArchive('web', '1.1.0') }, 'unknown'],
    ['another chart only', { 'content/cd/cd34.chart': chartArchive('api', '1.0.0') }, 'unknown'],
    ['nothing pulled', {}, 'unknown'],
    [
      'the same chart twice (two registries): some when either has CRDs',
      {
        'repo/web-1.0.0.tgz': chartArchive('web', '1.0.0'),
        'content/ef/ef56.chart': chartArchive('web', '1.0.0', { 'crds/a.yaml': CRD })
      },
      'some'
    ]
  ])('%s', async (_name, files, expected) => {
    const { env } = caches(files)
    expect(await pulledChartCrds(env, web, Date.now() - 60_000)).toBe(expected)
  })

  it('an archive from before the run (a cache that outlives the job) is not this run’s: unknown', async () => {
    const { dir, env } = caches({ 'content/ab/ab12.chart': chartArchive('web', '1.0.0') })
    const old = new Date(Date.now() - 3_600_000)
    utimesSync(join(dir, 'content/ab/ab12.chart'), old, old)
    expect(await pulledChartCrds(env, web, Date.now() - 60_000)).toBe('unknown')
  })
})
