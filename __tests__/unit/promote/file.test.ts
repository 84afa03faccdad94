import { describe, expect, it } from 'vitest'
import { findCycle } from '../../../src/promote/cycles.ts'
import { parsePromotionsFile, PromotionsFileError } from '../../../src/promote/file.ts'
import type { PromotionRule } from '../../../src/types/promotion.ts'

const SETUPS = new Set(['aws/staging', 'aws/prod-eu', 'aws/prod-us', 'gcp/dev'])

describe('.gitops/promotions.yaml', () => {
  it.each<[string, string, Omit<PromotionRule, 'line'>[]]>([
    ['an empty file', '', []],
    ['no entries', 'promotions:\n', []],
    [
      'one target, keys by default [version]',
      'promotions:\n  - from: aws/staging\n    to: aws/prod-eu\n',
      [{ from: 'aws/staging', to: ['aws/prod-eu'], keys: ['version'] }]
    ],
    [
      'a list of targets and keys, in flow style',
      'promotions:\n  - { from: aws/staging, to: [aws/prod-eu, aws/prod-us], keys: [chart, version, set] }\n',
      [
        {
          from: 'aws/staging',
          to: ['aws/prod-eu', 'aws/prod-us'],
          keys: ['chart', 'version', 'set']
        }
      ]
    ],
    [
      'a chain as several entries',
      [
        'promotions:',
        '  - from: aws/staging',
        '    to: aws/prod-eu',
        '  - from: aws/prod-eu',
        '    to: aws/prod-us',
        '    keys: set'
      ].join('\n'),
      [
        { from: 'aws/staging', to: ['aws/prod-eu'], keys: ['version'] },
        { from: 'aws/prod-eu', to: ['aws/prod-us'], keys: ['set'] }
      ]
    ]
  ])('%s', (_name, text, rules) => {
    const parsed = parsePromotionsFile(text, SETUPS)
    expect(parsed.map(({ line: _line, ...rule }) => rule)).toEqual(rules)
  })

  it('keeps each entry line', () => {
    const text =
      'promotions:\n  - from: aws/staging\n    to: aws/prod-eu\n\n  - from: aws/prod-eu\n    to: aws/prod-us\n'
    expect(parsePromotionsFile(text, SETUPS).map((r) => r.line)).toEqual([2, 5])
  })

  it.each<[string, string, string]>([
    [
      'invalid YAML',
      'promotions: [\n',
      /^\.gitops\/promotions\.yaml line \d+: invalid YAML/.source
    ],
    ['a list at the top', '- from: a\n', 'line 1: must be a mapping with one key, `promotions:`'],
    ['an unknown top key', 'promotion:\n  - from: x\n', "line 1: unknown key 'promotion'"],
    [
      'promotions not a list',
      'promotions:\n  from: aws/staging\n',
      "line 2: 'promotions' must be a list"
    ],
    [
      'an unknown key in an entry',
      'promotions:\n  - from: aws/staging\n    to: aws/prod-eu\n    when: always\n',
      "line 4: promotion 1: unknown key 'when'; allowed keys: from, to, keys"
    ],
    [
      'a key outside chart, version, set',
      'promotions:\n  - from: aws/staging\n    to: aws/prod-eu\n    keys: [version, values]\n',
      "line 4: promotion 1: 'keys' may hold chart, version, set, not 'values'"
    ],
    [
      'no keys at all',
      'promotions:\n  - from: aws/staging\n    to: aws/prod-eu\n    keys: []\n',
      "line 4: promotion 1: 'keys' must name at least one of chart, version, set"
    ],
    [
      'a from that names no setup',
      'promotions:\n  - from: aws/stagin\n    to: aws/prod-eu\n',
      "line 2: promotion 1: 'from' 'aws/stagin' is no setup of this repository (a setup is a folder holding plans: aws/prod-eu, aws/prod-us, aws/staging, gcp/dev); name one of them"
    ],
    [
      'a to that names no setup',
      'promotions:\n  - from: aws/staging\n    to:\n      - aws/prod-eu\n      - aws/prod-ap\n',
      "line 5: promotion 1: 'to' 'aws/prod-ap' is no setup of this repository"
    ],
    ['no from', 'promotions:\n  - to: aws/prod-eu\n', "line 2: promotion 1 needs 'from'"],
    ['no to', 'promotions:\n  - from: aws/staging\n', "line 2: promotion 1 needs 'to'"],
    [
      'a setup promoting to itself',
      'promotions:\n  - from: aws/staging\n    to: [aws/prod-eu, aws/staging]\n',
      'line 3: promotion 1 promotes aws/staging to itself'
    ],
    [
      'the same pair in two entries',
      'promotions:\n  - from: aws/staging\n    to: aws/prod-eu\n  - from: aws/staging\n    to: aws/prod-eu\n    keys: [set]\n',
      'line 4: promoting from aws/staging to aws/prod-eu is already the entry on line 2'
    ],
    [
      'a cycle across entries',
      [
        'promotions:',
        '  - from: aws/staging',
        '    to: aws/prod-eu',
        '  - from: aws/prod-eu',
        '    to: aws/prod-us',
        '  - from: aws/prod-us',
        '    to: [gcp/dev, aws/staging]'
      ].join('\n'),
      'line 6: promoting from aws/prod-us to aws/staging closes a cycle (aws/prod-us → aws/staging → aws/prod-eu → aws/prod-us)'
    ]
  ])('%s: one error naming the file and line', (_name, text, message) => {
    let error: unknown
    try {
      parsePromotionsFile(text, SETUPS)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(PromotionsFileError)
    const got = (error as Error).message
    expect(got.startsWith('.gitops/promotions.yaml line ')).toBe(true)
    if (message.startsWith('^')) expect(got).toMatch(new RegExp(message))
    else expect(got).toContain(message)
  })
})

describe('findCycle', () => {
  const rule = (from: string, to: string[], line: number): PromotionRule => ({
    from,
    to,
    keys: ['version'],
    line
  })

  it.each<[string, PromotionRule[], { line: number; path: string[] } | undefined]>([
    ['a chain has none', [rule('a', ['b'], 1), rule('b', ['c'], 2)], undefined],
    [
      'a fan-out has none',
      [rule('a', ['b', 'c'], 1), rule('b', ['d'], 2), rule('c', ['d'], 3)],
      undefined
    ],
    ['two setups', [rule('a', ['b'], 1), rule('b', ['a'], 2)], { line: 2, path: ['b', 'a', 'b'] }],
    [
      'three setups, the closing entry named',
      [rule('a', ['b'], 1), rule('c', ['a'], 2), rule('b', ['c'], 3)],
      { line: 3, path: ['b', 'c', 'a', 'b'] }
    ]
  ])('%s', (_name, rules, expected) => {
    const cycle = findCycle(rules)
    expect(cycle && { line: cycle.rule.line, path: cycle.path }).toEqual(expected)
  })
})
