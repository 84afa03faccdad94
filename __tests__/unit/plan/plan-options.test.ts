import { describe, expect, it } from 'vitest'
import { NO_HEALTH_CHECK } from '../../../src/types/health.ts'
import { parsePlanFile } from '../../../src/plan/plan-file.ts'
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

  it.each<[string, PlanOptions, ReturnType<typeof settleOptions>]>([
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
        keep: true
      },
      {
        wait: false,
        timeout: '3m',
        atomic: true,
        set: { a: 1 },
        test: { timeout: '1m', rollbackOnFailure: true },
        suspend: true,
        keep: true,
        health: NO_HEALTH_CHECK
      }
    ]
  ])('%s', (_name, given, expected) => {
    expect(settleOptions(given)).toEqual(expected)
  })
})
