import { describe, expect, it } from 'vitest'
import { dependencyPath, fileDependencies } from '../../../src/plan/chart-folders.ts'

describe('chart folders: the file:// dependencies a chart file names', () => {
  it.each<[string, string, ReturnType<typeof fileDependencies>]>([
    [
      'only file:// ones, as written, whatever else is listed',
      'dependencies:\n  - name: lib\n    repository: file://../../vendor/lib\n  - name: db\n    repository: https://charts.example.com\n  - name: a\n    repository: "@stable"\n  - name: b\n    repository: " file://../b "\n  - name: c\n',
      ['../../vendor/lib', '../b']
    ],
    [
      'a lock file lists them the same way',
      'dependencies:\n- name: lib\n  repository: file:///etc\n  version: 0.1.0\ndigest: sha256:0\n',
      ['/etc']
    ],
    ['no dependencies', 'apiVersion: v2\nname: x\nversion: 0.1.0\n', []],
    ['dependencies: null', 'dependencies:\n', []],
    ['an empty file', '', []],
    ['only comments', '# no dependencies yet\n\n', []],
    [
      'dependencies that are no list',
      'dependencies: file://..\n',
      { error: "has 'dependencies' that is no list" }
    ]
  ])('%s', (_name, text, expected) => {
    expect(fileDependencies(text)).toEqual(expected)
  })

  it('invalid YAML is an error, not an empty list', () => {
    expect(fileDependencies('dependencies: [\n')).toMatchObject({
      error: expect.stringMatching(/^is not valid YAML \(/) as unknown
    })
  })
})

describe('chart folders: where helm finds a file:// dependency', () => {
  it.each<[string, string, string | undefined]>([
    ['charts/app', '../../vendor/lib', 'vendor/lib'],
    ['charts/app', '../lib/', 'charts/lib'],
    ['charts/app', './sub', 'charts/app/sub'],
    ['charts/app', '.', 'charts/app'],
    ['charts/app', '../..', undefined],
    ['charts/app', '../../..', undefined],
    ['charts/app', '../../../../home/runner/.kube', undefined],
    ['charts/app', '/etc', undefined],
    ['charts/app', '//etc', undefined],
    ['charts/app', '../../.git', '.git']
  ])('%s + %s', (chartDir, written, expected) => {
    expect(dependencyPath(chartDir, written)).toBe(expected)
  })
})
