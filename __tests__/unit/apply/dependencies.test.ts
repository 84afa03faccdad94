import { describe, expect, it } from 'vitest'
import {
  chartDependencies,
  DependencyError,
  dependencyRepositories,
  missingDependencies
} from '../../../src/apply/dependencies.ts'

describe("a local chart's dependencies", () => {
  it.each([
    [
      'no dependencies key: nothing to build',
      'apiVersion: v2\nname: a\nversion: 1.0.0\n',
      undefined
    ],
    ['an empty list: no repository', 'name: a\ndependencies: []\n', []],
    [
      'every repository form, each once',
      [
        'name: a',
        'dependencies:',
        '  - {name: redis, version: 1.x, repository: https://charts.example.com/stable}',
        '  - {name: pg, version: 2.x, repository: "@stable"}',
        '  - {name: pg2, version: 2.x, repository: "alias:stable"}',
        '  - {name: web, version: 3.x, repository: oci://registry.example.com/charts}',
        '  - {name: sub, version: 0.1.0, repository: file://../sub}',
        '  - {name: vendored, version: 0.1.0}',
        '  - {name: again, version: 1.x, repository: https://charts.example.com/stable}'
      ].join('\n'),
      [
        { kind: 'url', url: 'https://charts.example.com/stable' },
        { kind: 'alias', name: 'stable' },
        { kind: 'oci', url: 'oci://registry.example.com/charts' }
      ]
    ]
  ])('%s', (_name, text, expected) => {
    const dependencies = chartDependencies(text)
    expect(dependencies && dependencyRepositories(dependencies)).toEqual(expected)
  })

  it.each([
    ['not a list', 'dependencies: redis\n', "its Chart.yaml 'dependencies' must be a list"],
    ['invalid YAML', 'dependencies: [\n', 'its Chart.yaml is not valid YAML']
  ])('%s is an error', (_name, text, message) => {
    expect(() => chartDependencies(text)).toThrow(DependencyError)
    expect(() => chartDependencies(text)).toThrow(message)
  })
})

describe('which dependencies charts/ lacks (helm asks for every one, enabled or not)', () => {
  const dependencies = chartDependencies(
    [
      'dependencies:',
      '  - {name: redis-ha, version: 4.x, repository: https://dandydeveloper.github.io/charts}',
      '  - {name: redis, version: 1.2.3, repository: "@stable", condition: redis.enabled}',
      '  - {name: sub, version: 0.1.0, repository: file://../sub}'
    ].join('\n')
  )!
  // [case, names in charts/, names missing]
  const table: [string, string[], string[]][] = [
    ['no charts/ folder: all', [], ['redis-ha', 'redis', 'sub']],
    [
      'every one vendored, as archives and a folder: none',
      ['redis-ha-4.33.2.tgz', 'redis-1.2.3.tgz', 'sub'],
      []
    ],
    ['a disabled one missing is still missing', ['redis-ha-4.33.2.tgz', 'sub'], ['redis']],
    [
      "redis-ha's archive is no copy of redis",
      ['redis-ha-4.33.2.tgz', 'sub', 'redis-ha.tgz'],
      ['redis']
    ],
    [
      'an archive without a version is not the one helm writes',
      ['redis-ha.tgz', 'redis-1.2.3.tgz', 'sub'],
      ['redis-ha']
    ]
  ]
  it.each(table)('%s', (_name, entries, missing) => {
    expect(missingDependencies(dependencies, entries).map((d) => d.name)).toEqual(missing)
  })
})
