import { describe, expect, it } from 'vitest'
import { optionsFor, parseDefaultsFile } from '../../../src/plan/defaults.ts'

const FILE = [
  'all:',
  '  wait: true',
  '  timeout: 10m',
  '  set:',
  '    team: platform',
  'setups:',
  '  aws/prod:',
  '    atomic: true',
  '    timeout: 15m',
  'namespaces:',
  '  aws/prod/payments:',
  '    keep: true',
  '    set:',
  '      team: payments'
].join('\n')

describe('.gitops/defaults.yaml', () => {
  const defaults = parseDefaultsFile(FILE)

  it.each([
    [
      'a plan of another setup gets `all`',
      { setup: 'aws/dev', namespace: 'payments' },
      {},
      { wait: true, timeout: '10m', set: { team: 'platform' } }
    ],
    [
      'the setup over `all`',
      { setup: 'aws/prod', namespace: 'web' },
      {},
      { wait: true, timeout: '15m', atomic: true, set: { team: 'platform' } }
    ],
    [
      'the namespace over the setup',
      { setup: 'aws/prod', namespace: 'payments' },
      {},
      { wait: true, timeout: '15m', atomic: true, keep: true, set: { team: 'payments' } }
    ],
    [
      "the plan's own keys over everything",
      { setup: 'aws/prod', namespace: 'payments' },
      { atomic: false, keep: false, set: { extra: 1 } },
      {
        wait: true,
        timeout: '15m',
        atomic: false,
        keep: false,
        set: { team: 'payments', extra: 1 }
      }
    ]
  ])('%s', (_name, target, own, expected) => {
    expect(optionsFor(defaults, target, own)).toEqual(expected)
  })

  it('health: a setup turns the check on for its plans, with expressions for every plan', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', current: 'status.ready' }
    const health = parseDefaultsFile(
      [
        'all:',
        '  health:',
        '    enable: false',
        '    exprs:',
        '      - { apiVersion: example.com/v1, kind: Widget, current: status.ready }',
        'setups:',
        '  aws/prod:',
        '    health: true'
      ].join('\n')
    )
    expect(optionsFor(health, { setup: 'aws/prod', namespace: 'web' }, {})).toEqual({
      health: { enable: true, exprs: [widget] }
    })
    expect(
      optionsFor(health, { setup: 'aws/dev', namespace: 'web' }, { health: { ignore: ['Job/x'] } })
    ).toEqual({ health: { enable: false, exprs: [widget], ignore: ['Job/x'] } })
  })

  it('an empty file is no defaults', () => {
    expect(optionsFor(parseDefaultsFile(''), { setup: 'a/b', namespace: 'c' }, {})).toEqual({})
  })

  it.each([
    [
      'unknown section',
      'plans:\n  wait: true\n',
      "line 1: unknown key 'plans'; allowed keys: all, setups, namespaces"
    ],
    [
      'a plan-only key',
      'all:\n  chart: stable/x\n',
      "line 2: all: 'chart' cannot have a default; allowed keys: wait, timeout, atomic, set, test, suspend, keep, health, crds"
    ],
    [
      'a wrong type, with its line',
      'setups:\n  aws/prod:\n    atomic: maybe\n',
      "line 3: setups aws/prod: 'atomic' must be true or false"
    ],
    [
      'a namespace without setup',
      'namespaces:\n  payments:\n    keep: true\n',
      "line 2: 'payments' is not <setup>/<namespace> (such as aws/prod/payments)"
    ],
    [
      'not a mapping',
      '- wait: true\n',
      'line 1: must be a mapping of `all:` (every plan), `setups:` (by setup) and `namespaces:` (by setup/namespace)'
    ],
    [
      'a set: path through a prototype',
      'all:\n  set:\n    __proto__.suspend: true\n',
      "line 3: all: 'set' key '__proto__.suspend' uses '__proto__', which no value path may use (__proto__, constructor, prototype); rename the value"
    ],
    [
      'a timeout over its bound',
      'setups:\n  aws/prod:\n    timeout: 200h\n',
      "line 3: setups aws/prod: 'timeout' must be at most 120h (5 days, the longest a job may run), not '200h'"
    ],
    [
      'a health option with an unknown key',
      'all:\n  health:\n    exprs: []\n    wait: true\n',
      "line 4: unknown key 'wait' in all: 'health'; allowed keys: enable, exprs, ignore"
    ],
    [
      'a health expression that does not compile',
      'setups:\n  aws/prod:\n    health:\n      exprs:\n        - apiVersion: example.com/v1\n          kind: Widget\n          current: status.ready ==\n',
      "line 7: setups aws/prod: 'health' 'exprs' item 1 'current' does not compile: "
    ],
    ['invalid YAML', 'all: [\n', 'line 2: invalid YAML']
  ])('%s stops the run, naming the file and line', (_name, text, message) => {
    expect(() => parseDefaultsFile(text)).toThrow(`.gitops/defaults.yaml ${message}`)
  })
})
