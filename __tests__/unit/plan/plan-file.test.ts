import { describe, expect, it } from 'vitest'
import { parsePlanFile } from '../../../src/plan/plan-file.ts'

const FILE = 'aws/foo/default/demo.yaml'
const KEYS =
  'allowed keys: chart, version, values, repository, hooks, needs, driftIgnore, wait, timeout, atomic, set, test, suspend, keep, health, crds'
const HOOKS =
  'allowed hooks: pre-install, post-install, pre-upgrade, post-upgrade, pre-uninstall, post-uninstall'

describe('parsePlanFile: valid plans', () => {
  it('reads every field with its line, version as written', () => {
    const parsed = parsePlanFile(
      FILE,
      [
        '# demo',
        'chart: stable/nuclio',
        'version: 1.10',
        'values: path/in/repo.yaml',
        'hooks:',
        '  pre-install:  [hooks/a.sh]',
        '  post-install: [hooks/b.sh, hooks/c.sh]',
        '  pre-upgrade:',
        '    - hooks/d.sh',
        '  post-upgrade: hooks/e.sh'
      ].join('\n')
    )
    expect(parsed).toEqual({
      ok: true,
      plan: {
        chart: { text: 'stable/nuclio', line: 2 },
        version: { text: '1.10', line: 3 },
        repository: undefined,
        values: [{ text: 'path/in/repo.yaml', line: 4 }],
        hooks: {
          'pre-install': [{ text: 'hooks/a.sh', line: 6 }],
          'post-install': [
            { text: 'hooks/b.sh', line: 7 },
            { text: 'hooks/c.sh', line: 7 }
          ],
          'pre-upgrade': [{ text: 'hooks/d.sh', line: 9 }],
          'post-upgrade': [{ text: 'hooks/e.sh', line: 10 }],
          'pre-uninstall': [],
          'post-uninstall': []
        },
        needs: [],
        driftIgnore: [],
        options: {}
      }
    })
  })

  it.each([
    [
      'values as a list, in order',
      'chart: a/b\nvalues:\n  - x.yaml\n  - y.yaml\n',
      ['x.yaml', 'y.yaml']
    ],
    ['values as a string', 'chart: a/b\nvalues: x.yaml\n', ['x.yaml']],
    ['values empty', 'chart: a/b\nvalues:\n', []],
    ['no values', 'chart: a/b\n', []],
    [
      'anchors and aliases',
      'x: &v [x.yaml]\n'.replace('x:', 'values:') + 'chart: a/b\n',
      ['x.yaml']
    ]
  ])('%s', (_name, text, values) => {
    const parsed = parsePlanFile(FILE, text)
    expect(parsed.ok && parsed.plan.values.map((v) => v.text)).toEqual(values)
  })

  it.each([
    ['chart: oci://ghcr.io/org/charts/app\nversion: "2.0.0"\n', 'oci://ghcr.io/org/charts/app'],
    ['chart: https://example.com/app-1.0.0.tgz\n', 'https://example.com/app-1.0.0.tgz'],
    ['chart: ./charts/app\n', './charts/app'],
    ['chart: nginx\nrepository: https://charts.example.com\n', 'nginx']
  ])('accepts the chart form of %j', (text, chart) => {
    const parsed = parsePlanFile(FILE, text)
    expect(parsed.ok && parsed.plan.chart.text).toBe(chart)
  })
})

describe('parsePlanFile: needs', () => {
  it('one or a list of namespace/release, with lines', () => {
    const parsed = parsePlanFile(FILE, 'chart: a/b\nneeds: [infra/db, infra/cache]\n')
    expect(parsed.ok && parsed.plan.needs).toEqual([
      { text: 'infra/db', line: 2 },
      { text: 'infra/cache', line: 2 }
    ])
  })
})

describe('parsePlanFile: driftIgnore', () => {
  it('takes pointers for every object, or paths for a kind and/or name', () => {
    const parsed = parsePlanFile(
      FILE,
      [
        'chart: a/b',
        'driftIgnore:',
        '  - /metadata/annotations/example.com~1owner',
        '  - paths: [/spec/replicas]',
        '    kind: Deployment',
        '  - paths: /data/generated',
        '    kind: ConfigMap',
        '    name: web'
      ].join('\n')
    )
    expect(parsed.ok && parsed.plan.driftIgnore).toEqual([
      { paths: ['/metadata/annotations/example.com~1owner'] },
      { paths: ['/spec/replicas'], kind: 'Deployment' },
      { paths: ['/data/generated'], kind: 'ConfigMap', name: 'web' }
    ])
  })

  it.each([
    [
      'not a list',
      'chart: a/b\ndriftIgnore: /spec\n',
      [[2, "'driftIgnore' must be a list of JSON pointers or of { paths, kind, name }"]]
    ],
    [
      'not a pointer',
      'chart: a/b\ndriftIgnore:\n  - spec.replicas\n',
      [[3, "'driftIgnore' item 1 must be a JSON pointer such as /spec/replicas"]]
    ],
    [
      'a bad escape',
      'chart: a/b\ndriftIgnore:\n  - /a~2b\n',
      [[3, "'driftIgnore' item 1 must be a JSON pointer such as /spec/replicas"]]
    ],
    [
      'an unknown key and no paths',
      'chart: a/b\ndriftIgnore:\n  - kind: Deployment\n    names: web\n',
      [
        [3, "'driftIgnore' item 1 needs 'paths', a list of JSON pointers"],
        [4, "'driftIgnore' item 1: unknown key 'names'; allowed keys: paths, kind, name"]
      ]
    ]
  ])('%s', (_name, text, expected) => {
    const parsed = parsePlanFile(FILE, text)
    expect(parsed.ok ? [] : parsed.problems.map((p) => [p.line, p.message])).toEqual(expected)
  })
})

describe('parsePlanFile: schema errors carry a message and a line', () => {
  it.each([
    [
      'empty file',
      '',
      [[1, 'the plan file is empty; it needs at least `chart`, e.g. `chart: stable/nginx`']]
    ],
    [
      'only a comment',
      '# nothing\n',
      [[1, 'the plan file is empty; it needs at least `chart`, e.g. `chart: stable/nginx`']]
    ],
    ['a list', '- chart: a/b\n', [[1, 'a plan file must be a YAML mapping with at least `chart`']]],
    ['a scalar', 'hello\n', [[1, 'a plan file must be a YAML mapping with at least `chart`']]],
    [
      'missing chart',
      'version: 1.0.0\n',
      [[1, "missing required key 'chart' (e.g. `chart: stable/nginx`)"]]
    ],
    ['unknown key', 'chart: a/b\n\nnamespace: x\n', [[3, `unknown key 'namespace'; ${KEYS}`]]],
    [
      'two unknown keys',
      'chart: a/b\nfoo: 1\nbar: 2\n',
      [
        [2, `unknown key 'foo'; ${KEYS}`],
        [3, `unknown key 'bar'; ${KEYS}`]
      ]
    ],
    [
      'chart is a list',
      'chart:\n  - a/b\n',
      [[2, "'chart' must be a single value, not a sequence"]]
    ],
    ['chart is empty', 'chart:\n', [[1, "'chart' is empty"]]],
    [
      'version is a mapping',
      'chart: a/b\nversion: {x: 1}\n',
      [[2, "'version' must be a single value, not a mapping"]]
    ],
    [
      'values is a mapping',
      'chart: a/b\nvalues:\n  a: b\n',
      [[3, "'values' must be a path or a list of paths"]]
    ],
    [
      'values item is a list',
      'chart: a/b\nvalues:\n  - ok.yaml\n  - [x]\n',
      [[4, "'values' item 2 must be a path"]]
    ],
    [
      'hooks is a list',
      'chart: a/b\nhooks: [a.sh]\n',
      [
        [
          2,
          "'hooks' must be a mapping of hook names (pre-install, post-install, pre-upgrade, post-upgrade, pre-uninstall, post-uninstall) to lists of scripts"
        ]
      ]
    ],
    [
      'unknown hook',
      'chart: a/b\nhooks:\n  pre-delete: [a.sh]\n',
      [[3, `unknown hook 'pre-delete'; ${HOOKS}`]]
    ],
    [
      'hook item is a mapping',
      'chart: a/b\nhooks:\n  pre-install:\n    - {a: b}\n',
      [[4, "hook 'pre-install' item 1 must be a path"]]
    ],
    ['duplicate key', 'chart: a/b\nchart: c/d\n', [[2, "duplicate key 'chart'"]]],
    [
      'two documents',
      'chart: a/b\n---\nchart: c/d\n',
      [[undefined, 'holds 2 YAML documents; a plan file holds one']]
    ],
    [
      'malformed YAML',
      'chart: a/b\nvalues: [x.yaml\n',
      [[3, expect.stringMatching(/^invalid YAML: /)]]
    ],
    [
      'a need that is not namespace/release',
      'chart: a/b\nneeds:\n  - default/db\n  - db\n  - Default/DB\n',
      [
        [4, "'needs' item 'db' must be namespace/release"],
        [5, "'needs' item 'Default/DB' must be namespace/release"]
      ]
    ],
    [
      'bad indentation',
      'chart: a/b\n  version: 1\n',
      [[2, expect.stringMatching(/^invalid YAML: /)]]
    ]
  ])('%s', (_name, text, expected) => {
    const parsed = parsePlanFile(FILE, text)
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.problems).toEqual(
      (expected as [number | undefined, unknown][]).map(([line, message]) =>
        line === undefined ? { file: FILE, message } : { file: FILE, line, message }
      )
    )
  })
})
