import { describe, expect, it } from 'vitest'
import { parsePlanFile } from '../../../src/plan/plan-file.ts'
import { NO_HEALTH_CHECK } from '../../../src/types/health.ts'
import {
  durationSeconds,
  mergeOptions,
  settleOptions,
  type PlanOptions
} from '../../../src/plan/plan-options.ts'

const FILE = 'aws/prod/web/shop.yaml'
const options = (text: string): PlanOptions => {
  const parsed = parsePlanFile(FILE, `chart: stable/shop\n${text}`)
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems))
  return parsed.plan.options
}
const problems = (text: string): [number | undefined, string][] => {
  const parsed = parsePlanFile(FILE, `chart: stable/shop\n${text}`)
  return parsed.ok ? [] : parsed.problems.map((p) => [p.line, p.message])
}

describe('plan options: each key as written', () => {
  it.each<[string, string, PlanOptions]>([
    ['wait', 'wait: true\n', { wait: true }],
    ['wait false', 'wait: false\n', { wait: false }],
    ['timeout', 'timeout: 5m\n', { timeout: '5m' }],
    ['timeout compound', 'timeout: 1h30m15.5s\n', { timeout: '1h30m15.5s' }],
    ['atomic', 'atomic: true\n', { atomic: true }],
    ['suspend', 'suspend: true\n', { suspend: true }],
    ['keep', 'keep: true\n', { keep: true }],
    ['test shorthand', 'test: true\n', { test: { enable: true } }],
    [
      'test mapping',
      'test:\n  enable: true\n  timeout: 2m\n  rollbackOnFailure: true\n',
      { test: { enable: true, timeout: '2m', rollbackOnFailure: true } }
    ],
    [
      'set: paths nest, plain scalars keep their YAML type, quoted ones stay text',
      'set:\n  replicaCount: 3\n  image.tag: "1.2"\n  image.pull: true\n  ratio: 0.5\n  name: web\n  empty: null\n  list: [a, 1]\n',
      {
        set: {
          replicaCount: 3,
          image: { tag: '1.2', pull: true },
          ratio: 0.5,
          name: 'web',
          empty: null,
          list: ['a', 1]
        }
      }
    ],
    [
      'set: an escaped dot is part of the key',
      'set:\n  podAnnotations.example\\.com/team: shop\n',
      { set: { podAnnotations: { 'example.com/team': 'shop' } } }
    ],
    [
      'set: a key that looks like a flag is only a key',
      'set:\n  "--kubeconfig": /etc/passwd\n',
      { set: { '--kubeconfig': '/etc/passwd' } }
    ],
    [
      'set: a key named __proto__ inside a value is only data',
      'set:\n  labels: {__proto__: {suspend: true}}\n',
      { set: { labels: { ['__proto__']: { suspend: true } } } }
    ],
    ['health shorthand', 'health: true\n', { health: { enable: true } }],
    ['health off', 'health: false\n', { health: { enable: false } }],
    [
      'health mapping: writing it enables the check',
      'health:\n  ignore: [Service/edge-lb, ClusterRole/system:metrics]\n',
      { health: { enable: true, ignore: ['Service/edge-lb', 'ClusterRole/system:metrics'] } }
    ],
    [
      'health mapping: expressions, enable false kept',
      [
        'health:',
        '  enable: false',
        '  exprs:',
        '    - apiVersion: example.com/v1',
        '      kind: Widget',
        '      current: status.phase == "Ready"',
        '      failed: status.phase == "Failed"',
        '      inProgress: "has(status.pending) && status.pending"',
        '    - apiVersion: v1',
        '      kind: Thing',
        '      current: |',
        '        status.conditions.exists(c,',
        "          c.type == 'Ready' && c.status == 'True')",
        ''
      ].join('\n'),
      {
        health: {
          enable: false,
          exprs: [
            {
              apiVersion: 'example.com/v1',
              kind: 'Widget',
              current: 'status.phase == "Ready"',
              failed: 'status.phase == "Failed"',
              inProgress: 'has(status.pending) && status.pending'
            },
            {
              apiVersion: 'v1',
              kind: 'Thing',
              current: "status.conditions.exists(c,\n  c.type == 'Ready' && c.status == 'True')"
            }
          ]
        }
      }
    ],
    [
      'health with empty lists',
      'health:\n  exprs:\n  ignore:\n',
      { health: { enable: true, exprs: [], ignore: [] } }
    ],
    ['timeout at its bound', 'timeout: 120h\n', { timeout: '120h' }],
    ['timeout at its bound in minutes', 'timeout: 7199m60s\n', { timeout: '7199m60s' }],
    ['none', '', {}]
  ])('%s', (_name, text, expected) => {
    expect(options(text)).toEqual(expected)
  })

  it('a set: key that names a prototype changes no other object', () => {
    expect(problems('set:\n  __proto__.suspend: true\n')).toHaveLength(1)
    const nested = options('set:\n  labels: {__proto__: {suspend: true}}\n')
    expect(Object.getPrototypeOf(nested.set?.labels)).toBeNull()
    expect(({} as { suspend?: unknown }).suspend).toBeUndefined()
  })
})

describe('durations: the seconds of a Go duration', () => {
  it.each<[string, number]>([
    ['90s', 90],
    ['5m', 300],
    ['1h30m', 5400],
    ['1.5h', 5400],
    ['500ms', 0.5],
    ['2us', 2e-6],
    ['2µs', 2e-6],
    ['10ns', 1e-8],
    ['120h', 432_000],
    ['999999999999h', 3_599_999_999_996_400]
  ])('%s', (text, seconds) => {
    expect(durationSeconds(text)).toBeCloseTo(seconds, 9)
  })
})

describe('plan options: wrong types are errors with their line', () => {
  it.each<[string, string, [number | undefined, string][]]>([
    ['wait as text', 'wait: yes\n', [[2, "'wait' must be true or false"]]],
    ['wait quoted', 'wait: "true"\n', [[2, "'wait' must be true or false"]]],
    ['atomic as list', 'atomic: [true]\n', [[2, "'atomic' must be true or false"]]],
    ['keep as number', '\nkeep: 1\n', [[3, "'keep' must be true or false"]]],
    ['suspend empty', 'suspend:\n', [[2, "'suspend' must be true or false"]]],
    [
      'timeout without unit',
      'timeout: 300\n',
      [
        [
          2,
          "'timeout' must be a duration such as 90s, 5m or 1h30m (a number with a unit: ns, us, ms, s, m, h), not '300'"
        ]
      ]
    ],
    [
      'timeout with a flag in it',
      'timeout: 5m --kubeconfig=x\n',
      [
        [
          2,
          "'timeout' must be a duration such as 90s, 5m or 1h30m (a number with a unit: ns, us, ms, s, m, h), not '5m --kubeconfig=x'"
        ]
      ]
    ],
    [
      'timeout over its bound',
      'timeout: 121h\n',
      [[2, "'timeout' must be at most 120h (5 days, the longest a job may run), not '121h'"]]
    ],
    [
      'timeout over its bound by a nanosecond',
      'timeout: 7200m1ns\n',
      [[2, "'timeout' must be at most 120h (5 days, the longest a job may run), not '7200m1ns'"]]
    ],
    [
      'timeout beyond what helm can parse',
      'timeout: 99999999999999h\n',
      [
        [
          2,
          "'timeout' must be at most 120h (5 days, the longest a job may run), not '99999999999999h'"
        ]
      ]
    ],
    [
      'test timeout over its bound',
      'test:\n  timeout: 200h\n',
      [[3, "'test' 'timeout' must be at most 120h (5 days, the longest a job may run), not '200h'"]]
    ],
    [
      'set: a path through __proto__',
      'set:\n  image: x\n  __proto__.suspend: true\n',
      [
        [
          4,
          "'set' key '__proto__.suspend' uses '__proto__', which no value path may use (__proto__, constructor, prototype); rename the value"
        ]
      ]
    ],
    [
      'set: a path through constructor.prototype',
      'set:\n  constructor.prototype.keep: true\n',
      [
        [
          3,
          "'set' key 'constructor.prototype.keep' uses 'constructor', which no value path may use (__proto__, constructor, prototype); rename the value"
        ]
      ]
    ],
    [
      'set: prototype as the last part',
      'set:\n  a.prototype: 1\n',
      [
        [
          3,
          "'set' key 'a.prototype' uses 'prototype', which no value path may use (__proto__, constructor, prototype); rename the value"
        ]
      ]
    ],
    [
      'set as list',
      'set: [a=b]\n',
      [[2, "'set' must be a mapping of value paths to values, e.g. image.tag: v1.2.0"]]
    ],
    [
      'set with an empty path part',
      'set:\n  image..tag: x\n',
      [[3, "'set' key 'image..tag' must be a value path such as image.tag"]]
    ],
    [
      'set twice, as a value and as a mapping',
      'set:\n  image: x\n  image.tag: y\n',
      [[4, "'set' key 'image.tag' is set twice (as a value and as a mapping)"]]
    ],
    [
      'test as text',
      'test: always\n',
      [
        [
          2,
          "'test' (true, false, or a mapping of enable, timeout, rollbackOnFailure) must be true or false"
        ]
      ]
    ],
    [
      'test unknown key',
      'test:\n  enable: true\n  retries: 3\n',
      [[4, "unknown key 'retries' in 'test'; allowed keys: enable, timeout, rollbackOnFailure"]]
    ],
    [
      'test timeout wrong',
      'test:\n  timeout: soon\n',
      [
        [
          3,
          "'test' 'timeout' must be a duration such as 90s, 5m or 1h30m (a number with a unit: ns, us, ms, s, m, h), not 'soon'"
        ]
      ]
    ],
    [
      'health as text',
      'health: on\n',
      [[2, "'health' (true, false, or a mapping of enable, exprs, ignore) must be true or false"]]
    ],
    [
      'health as a list',
      'health: [true]\n',
      [[2, "'health' must be true, false, or a mapping of enable, exprs, ignore"]]
    ],
    [
      'health: unknown key',
      'health:\n  enable: true\n  timeout: 5m\n',
      [[4, "unknown key 'timeout' in 'health'; allowed keys: enable, exprs, ignore"]]
    ],
    [
      'health: enable as text',
      'health:\n  enable: yes\n',
      [[3, "'health' 'enable' must be true or false"]]
    ],
    [
      'health: exprs as a mapping',
      'health:\n  exprs: { kind: Widget }\n',
      [
        [
          3,
          "'health' 'exprs' must be a list of health expressions, each a mapping of apiVersion, kind, current, failed, inProgress"
        ]
      ]
    ],
    [
      'health: an expression without current',
      'health:\n  exprs:\n    - apiVersion: example.com/v1\n      kind: Widget\n      failed: status.failed\n',
      [
        [
          4,
          "'health' 'exprs' item 1 has no 'current': the CEL expression that is true once the object is healthy"
        ]
      ]
    ],
    [
      'health: an expression with a misspelt key, and so no current',
      'health:\n  exprs:\n    - apiVersion: example.com/v1\n      kind: Widget\n      curent: "true"\n',
      [
        [
          4,
          "'health' 'exprs' item 1 has no 'current': the CEL expression that is true once the object is healthy"
        ],
        [
          6,
          "unknown key 'curent' in 'health' 'exprs' item 1; allowed keys: apiVersion, kind, current, failed, inProgress"
        ]
      ]
    ],
    [
      'health: an expression as text',
      'health:\n  exprs: [status.ready]\n',
      [
        [
          3,
          "'health' 'exprs' item 1 must be a mapping of apiVersion, kind, current, failed, inProgress"
        ]
      ]
    ],
    [
      'health: CEL that does not parse, on the line of the expression',
      'health:\n  exprs:\n    - apiVersion: example.com/v1\n      kind: Widget\n      current: status.ready &&\n',
      [
        [
          6,
          "'health' 'exprs' item 1 'current' does not compile: found & but expecting end of input (column 14)"
        ]
      ]
    ],
    [
      'health: CEL in a literal block, on the line within it',
      'health:\n  exprs:\n    - apiVersion: example.com/v1\n      kind: Widget\n      current: "true"\n      failed: |\n        has(status.failed) &&\n          status.failed.exist(f, f)\n',
      [[9, "'health' 'exprs' item 1 'failed' does not compile: unknown function 'exist'"]]
    ],
    [
      'health: has() of a bare name',
      'health:\n  exprs:\n    - apiVersion: example.com/v1\n      kind: Widget\n      current: has(status)\n',
      [
        [
          6,
          "'health' 'exprs' item 1 'current' does not compile: has() takes a field selection, such as has(status.readyReplicas)"
        ]
      ]
    ],
    [
      'health: an empty expression, a bad API version and kind',
      'health:\n  exprs:\n    - apiVersion: example.com/v1/x\n      kind: 3d-widget\n      current: ""\n',
      [
        [
          4,
          "'health' 'exprs' item 1 'apiVersion' must be an API version such as example.com/v1, not 'example.com/v1/x'"
        ],
        [5, "'health' 'exprs' item 1 'kind' must be a kind such as Widget, not '3d-widget'"],
        [
          6,
          "'health' 'exprs' item 1 'current' must be a CEL expression over the object, such as status.phase == \"Ready\", not empty"
        ]
      ]
    ],
    [
      'health: two expressions for one kind, in any version of its group',
      'health:\n  exprs:\n    - { apiVersion: example.com/v1, kind: Widget, current: "true" }\n    - { apiVersion: example.com/v2, kind: Widget, current: "false" }\n',
      [
        [
          5,
          "'health' 'exprs' item 2 is for example.com/Widget, as item 1 is; one expression a kind (any version of its API group)"
        ]
      ]
    ],
    [
      'health: malformed ignore entries',
      'health:\n  ignore:\n    - Service\n    - Service/a/b\n    - /edge\n    - [x]\n',
      [
        [4, "'health' 'ignore' item 1 must be Kind/name, such as Service/edge-lb, not 'Service'"],
        [
          5,
          "'health' 'ignore' item 2 must be Kind/name, such as Service/edge-lb, not 'Service/a/b'"
        ],
        [6, "'health' 'ignore' item 3 must be Kind/name, such as Service/edge-lb, not '/edge'"],
        [7, "'health' 'ignore' item 4 must be Kind/name, such as Service/edge-lb, not a sequence"]
      ]
    ],
    [
      'health: ignore as text',
      'health:\n  ignore: Service/edge-lb\n',
      [[3, "'health' 'ignore' must be a list of Kind/name, such as Service/edge-lb"]]
    ],
    [
      'several problems, in line order',
      'keep: no\nwait: 1\n',
      [
        [2, "'keep' must be true or false"],
        [3, "'wait' must be true or false"]
      ]
    ]
  ])('%s', (_name, text, expected) => {
    expect(problems(text)).toEqual(expected)
  })
})

describe('plan options: merged over defaults, then settled', () => {
  it('the plan wins key by key; set merges deeply; test field by field', () => {
    const merged = mergeOptions(
      {
        wait: true,
        timeout: '10m',
        keep: true,
        set: { image: { repository: 'r', tag: 'a' }, replicas: 2 },
        test: { enable: true, timeout: '1m' }
      },
      {
        timeout: '2m',
        keep: false,
        set: { image: { tag: 'b' } },
        test: { rollbackOnFailure: true }
      }
    )
    expect(merged).toEqual({
      wait: true,
      timeout: '2m',
      keep: false,
      set: { image: { repository: 'r', tag: 'b' }, replicas: 2 },
      test: { enable: true, timeout: '1m', rollbackOnFailure: true }
    })
  })

  it('health: enable as the plan says, expressions by kind (the plan wins), ignore entries add up', () => {
    const widget = (current: string) => ({ apiVersion: 'example.com/v1', kind: 'Widget', current })
    const gadget = { apiVersion: 'other.io/v1', kind: 'Gadget', current: 'true' }
    const under: PlanOptions = {
      health: { enable: false, exprs: [widget('old'), gadget], ignore: ['Job/seed'] }
    }
    expect(
      mergeOptions(under, {
        health: {
          enable: true,
          exprs: [{ ...widget('new'), apiVersion: 'example.com/v2' }],
          ignore: ['Service/lb', 'Job/seed']
        }
      })
    ).toEqual({
      health: {
        enable: true,
        exprs: [gadget, { ...widget('new'), apiVersion: 'example.com/v2' }],
        ignore: ['Job/seed', 'Service/lb']
      }
    })
    expect(mergeOptions(under, { health: { enable: true } })).toEqual({
      health: { enable: true, exprs: [widget('old'), gadget], ignore: ['Job/seed'] }
    })
    expect(mergeOptions(under, {})).toEqual(under)
  })

  it.each<
    [string, PlanOptions, Omit<ReturnType<typeof settleOptions>, 'crds'> & { crds?: string }]
  >([
    [
      'nothing set: switches off, wait/timeout/atomic left to helm-args',
      {},
      { set: {}, test: undefined, suspend: false, keep: false, health: NO_HEALTH_CHECK }
    ],
    [
      'test runs only when enabled',
      { test: { timeout: '1m' } },
      { set: {}, test: undefined, suspend: false, keep: false, health: NO_HEALTH_CHECK }
    ],
    [
      'an enabled test without rollback',
      { test: { enable: true } },
      {
        set: {},
        test: { rollbackOnFailure: false },
        suspend: false,
        keep: false,
        health: NO_HEALTH_CHECK
      }
    ],
    [
      'every key',
      {
        wait: false,
        timeout: '3m',
        atomic: true,
        set: { a: 1 },
        test: { enable: true, timeout: '1m', rollbackOnFailure: true },
        suspend: true,
        keep: true,
        health: { enable: true, ignore: ['Service/lb'] },
        crds: 'create-replace'
      },
      {
        wait: false,
        timeout: '3m',
        atomic: true,
        set: { a: 1 },
        test: { timeout: '1m', rollbackOnFailure: true },
        suspend: true,
        keep: true,
        health: { enable: true, expressions: [], ignore: ['Service/lb'] },
        crds: 'create-replace'
      }
    ],
    [
      'health expressions are kept when the check is off (a plan of a wave is checked anyway)',
      { health: { enable: false, exprs: [{ apiVersion: 'v1', kind: 'Thing', current: 'true' }] } },
      {
        set: {},
        test: undefined,
        suspend: false,
        keep: false,
        health: {
          enable: false,
          expressions: [{ apiVersion: 'v1', kind: 'Thing', current: 'true' }],
          ignore: []
        }
      }
    ]
  ])('%s', (_name, given, expected) => {
    // Helm's own CRD policy unless one is given (cases of crds below).
    expect(settleOptions(given)).toEqual({ crds: 'create', ...expected })
  })
})

describe('plan options: crds, as Flux names the policies', () => {
  it.each<[string, string, PlanOptions]>([
    ['skip', 'crds: skip\n', { crds: 'skip' }],
    ['create', 'crds: create\n', { crds: 'create' }],
    ['create-replace', 'crds: create-replace\n', { crds: 'create-replace' }]
  ])('%s', (_name, text, expected) => {
    expect(options(text)).toEqual(expected)
    expect(settleOptions(expected).crds).toBe(expected.crds)
  })

  const allowed = "'crds' must be one of skip, create, create-replace"
  it.each<[string, string, [number | undefined, string][]]>([
    ['an unknown policy', 'crds: replace\n', [[2, `${allowed}, not 'replace'`]]],
    [
      "Flux's spelling",
      '\ncrds: CreateReplace\n',
      [[3, `${allowed}, not 'CreateReplace' (Flux's CreateReplace is written create-replace here)`]]
    ],
    ['quoted', 'crds: "skip"\n', [[2, `${allowed}, not 'skip'`]]],
    ['a boolean', 'crds: false\n', [[2, `${allowed}, not 'false'`]]],
    ['a list', 'crds: [skip]\n', [[2, `${allowed}, not a sequence`]]],
    ['empty', 'crds:\n', [[2, `${allowed}, not ''`]]]
  ])('%s is an error with its line and the allowed values', (_name, text, expected) => {
    expect(problems(text)).toEqual(expected)
  })

  it("unset is helm's own create; the plan wins over defaults", () => {
    expect(settleOptions({}).crds).toBe('create')
    expect(mergeOptions({ crds: 'skip' }, {}).crds).toBe('skip')
    expect(mergeOptions({ crds: 'skip' }, { crds: 'create-replace' }).crds).toBe('create-replace')
  })
})
