import { describe, expect, it } from 'vitest'
import { knownChartVersion } from '../../../src/engine/chart-version.ts'
import type { ChartSource } from '../../../src/types/plan.ts'

const alias: ChartSource = { kind: 'alias', alias: 'stable', name: 'web' }
const local: ChartSource = { kind: 'local', path: 'charts/web' }

describe('knownChartVersion', () => {
  it.each<[string, ChartSource, string | undefined, string | undefined, string | undefined]>([
    ['an exact version of a repository chart', alias, '1.2.3', undefined, '1.2.3'],
    ['a pre-release', alias, '1.2.3-rc.1', undefined, '1.2.3-rc.1'],
    ['a range', alias, '^1.2.0', undefined, undefined],
    ['a wildcard', alias, '1.2.*', undefined, undefined],
    ['two parts', alias, '1.2', undefined, undefined],
    ['a v prefix', alias, 'v1.2.3', undefined, undefined],
    ['no version (the newest)', alias, undefined, undefined, undefined],
    [
      'a repository URL chart',
      { kind: 'repository', url: 'https://x', name: 'web' },
      '2.0.0',
      undefined,
      '2.0.0'
    ],
    [
      'a registry chart',
      { kind: 'oci', ref: 'oci://r.example/c/web' },
      '2.0.0',
      undefined,
      '2.0.0'
    ],
    [
      'a registry reference with its own tag',
      { kind: 'oci', ref: 'oci://r.example:5000/c/web:1.0.0' },
      '2.0.0',
      undefined,
      undefined
    ],
    [
      'an archive URL',
      { kind: 'url', url: 'https://x/web-1.0.0.tgz' },
      '1.0.0',
      undefined,
      undefined
    ],
    [
      'a chart folder: its Chart.yaml, whatever the plan says',
      local,
      '9.9.9',
      'apiVersion: v2\nname: web\nversion: 0.3.0\n',
      '0.3.0'
    ],
    ['a chart folder without a Chart.yaml', local, undefined, undefined, undefined],
    ['a version that is no string', local, undefined, 'name: web\nversion: 1.0\n', undefined],
    ['a Chart.yaml that is no YAML', local, undefined, 'version: [\n', undefined]
  ])('%s', (_name, chart, version, chartYaml, known) => {
    expect(knownChartVersion({ chart, ...(version && { version }) }, chartYaml)).toBe(known)
  })
})
