import { describe, expect, it } from 'vitest'
import { DependencyError, dependencyRepositories } from '../../../src/apply/dependencies.ts'

describe("a local chart's dependencies", () => {
  it.each([
    [
      'no dependencies key: nothing to build',
      'apiVersion: v2\nname: a\nversion: 1.0.0\n',
      undefined
    ],
    ['an empty list: built (helm writes Chart.lock)', 'name: a\ndependencies: []\n', []],
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
    expect(dependencyRepositories(text)).toEqual(expected)
  })

  it.each([
    ['not a list', 'dependencies: redis\n', "its Chart.yaml 'dependencies' must be a list"],
    ['invalid YAML', 'dependencies: [\n', 'its Chart.yaml is not valid YAML']
  ])('%s is an error', (_name, text, message) => {
    expect(() => dependencyRepositories(text)).toThrow(DependencyError)
    expect(() => dependencyRepositories(text)).toThrow(message)
  })
})
