import { describe, expect, it } from 'vitest'
import { classifyPath } from '../../../src/plan/layout.ts'
import type { LayoutOptions } from '../../../src/plan/layout.ts'

const options = (over: Partial<LayoutOptions> = {}): LayoutOptions => ({
  setupNameSize: 2,
  ignore: [],
  chartDirs: new Set(),
  ...over
})

describe('classifyPath: plans', () => {
  it.each([
    ['aws/foo/default/demo.yaml', 2, { setup: 'aws/foo', namespace: 'default', release: 'demo' }],
    ['aws/foo/default/demo.yml', 2, { setup: 'aws/foo', namespace: 'default', release: 'demo' }],
    ['aws/foo/default/demo', 2, { setup: 'aws/foo', namespace: 'default', release: 'demo' }],
    [
      'prod/kube-system/metrics-server.yaml',
      1,
      { setup: 'prod', namespace: 'kube-system', release: 'metrics-server' }
    ],
    [
      'eu/aws/cl_1/monitoring/prom.yaml',
      3,
      { setup: 'eu/aws/cl_1', namespace: 'monitoring', release: 'prom' }
    ],
    ['Aws/Foo.2/default/a1.yaml', 2, { setup: 'Aws/Foo.2', namespace: 'default', release: 'a1' }],
    [`a/b/ns/${'r'.repeat(53)}.yaml`, 2, { setup: 'a/b', namespace: 'ns', release: 'r'.repeat(53) }]
  ])('%s (N=%i) is a plan', (path, setupNameSize, expected) => {
    expect(classifyPath(path, options({ setupNameSize }))).toEqual({
      kind: 'plan',
      target: { plan: path, ...expected }
    })
  })
})

describe('classifyPath: not plans', () => {
  it.each([
    ['README.md', {}, 'too shallow'],
    ['aws/foo/default/README.md', {}, 'another extension'],
    ['aws/foo/default/install.sh', {}, 'a script'],
    ['aws/foo/default/values.json', {}, 'json'],
    ['aws/foo/default/demo.yaml.bak', {}, 'a backup'],
    ['aws/foo/demo.yaml', {}, 'too shallow'],
    ['aws/foo/default/sub/demo.yaml', {}, 'too deep'],
    ['.github/workflows/x/deploy.yml', {}, 'dot folder'],
    ['.gitops/a/b/repositories.yaml', {}, 'dot folder'],
    ['aws/.foo/default/demo.yaml', {}, 'dot folder inside'],
    ['aws/foo/default/.hidden.yaml', {}, 'dot file'],
    ['aws/foo/default/demo.yaml', { ignore: ['aws/foo/**'] }, 'ignored'],
    ['aws/foo/default/demo.yaml', { ignore: ['**/demo.yaml'] }, 'ignored by name'],
    ['aws/foo/templates/deploy.yaml', { chartDirs: new Set(['aws/foo']) }, 'inside a local chart'],
    [
      'charts/app/templates/cm.yaml',
      { chartDirs: new Set(['charts/app']) },
      'inside a local chart'
    ],
    ['aws/foo/default/demo', { setupNameSize: 1 }, 'too deep for N=1']
  ])('%s %o: %s', (path, over, _why) => {
    expect(classifyPath(path, options(over))).toEqual({ kind: 'other' })
  })

  it('an ignore glob that does not match leaves the plan alone', () => {
    expect(classifyPath('aws/foo/default/demo.yaml', options({ ignore: ['gcp/**'] })).kind).toBe(
      'plan'
    )
  })
})

describe('classifyPath: invalid names are errors on the file', () => {
  const LABEL = "lowercase letters, digits and '-', starting and ending with a letter or digit"
  it.each([
    [
      'aws/foo/default/Demo.yaml',
      `release name 'Demo' (the file name without extension) must be a DNS-1123 label: ${LABEL}, at most 53 characters`
    ],
    [
      'aws/foo/default/my_app.yaml',
      `release name 'my_app' (the file name without extension) must be a DNS-1123 label: ${LABEL}, at most 53 characters`
    ],
    [
      'aws/foo/default/-x.yaml',
      `release name '-x' (the file name without extension) must be a DNS-1123 label: ${LABEL}, at most 53 characters`
    ],
    [
      `aws/foo/default/${'r'.repeat(54)}.yaml`,
      `release name '${'r'.repeat(54)}' (the file name without extension) must be a DNS-1123 label: ${LABEL}, at most 53 characters`
    ],
    [
      'aws/foo/Default/demo.yaml',
      `namespace 'Default' (the folder name) must be a DNS-1123 label: ${LABEL}, at most 63 characters`
    ],
    [
      'aws/foo/kube_system/demo.yaml',
      `namespace 'kube_system' (the folder name) must be a DNS-1123 label: ${LABEL}, at most 63 characters`
    ],
    [
      `aws/foo/${'n'.repeat(64)}/demo.yaml`,
      `namespace '${'n'.repeat(64)}' (the folder name) must be a DNS-1123 label: ${LABEL}, at most 63 characters`
    ],
    [
      'aws/fo o/default/demo.yaml',
      "setup 'aws/fo o' has an invalid part 'fo o': use letters, digits, '.', '_' and '-', starting and ending with a letter or digit"
    ],
    [
      'aws/foo-/default/demo.yaml',
      "setup 'aws/foo-' has an invalid part 'foo-': use letters, digits, '.', '_' and '-', starting and ending with a letter or digit"
    ],
    [
      'aws/foo/default/LICENSE',
      `release name 'LICENSE' (the file name without extension) must be a DNS-1123 label: ${LABEL}, at most 53 characters`
    ]
  ])('%s', (path, message) => {
    const layout = classifyPath(path, options())
    expect(layout).toMatchObject({ kind: 'invalid', message, target: { plan: path } })
  })
})
