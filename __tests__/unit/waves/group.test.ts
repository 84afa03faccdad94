import { describe, expect, it } from 'vitest'
import {
  checkWaveLines,
  groupWaves,
  namedByWaves,
  WavesInputError
} from '../../../src/waves/group.ts'
import type { WaveLine } from '../../../src/types/config.ts'

// Pure: affected setups into waves by the lines of the `waves` input, which setups a
// line names (health-checked), and lines that match no setup of the repository.

/** `waves` lines as the input gives them: one string a line, globs comma-separated. */
const lines = (...text: string[]): WaveLine[] =>
  text.map((t, i) => ({ line: i + 1, globs: t.split(',').map((g) => g.trim()) }))

describe('groupWaves', () => {
  it.each<[string, WaveLine[], string[], string[][]]>([
    ['no lines: one wave, sorted', [], ['b/x', 'a/x'], [['a/x', 'b/x']]],
    ['no setups: no wave', lines('a/*'), [], []],
    [
      'by line, each sorted; unmatched last',
      lines('stage/*', 'prod/eu-*, prod/us-1'),
      ['prod/us-2', 'prod/us-1', 'stage/a', 'prod/eu-2', 'dev/x', 'prod/eu-1'],
      [['stage/a'], ['prod/eu-1', 'prod/eu-2', 'prod/us-1'], ['dev/x', 'prod/us-2']]
    ],
    [
      'a setup joins the first line it matches',
      lines('prod/canary', 'prod/*'),
      ['prod/main', 'prod/canary'],
      [['prod/canary'], ['prod/main']]
    ],
    [
      'a line no affected setup joins is left out: wave numbers follow the output',
      lines('stage/*', 'prod/*'),
      ['prod/a'],
      [['prod/a']]
    ],
    ['every setup matched: no last wave', lines('**'), ['a/b', 'c/d'], [['a/b', 'c/d']]],
    ['a setup named twice counts once', lines('a/*'), ['a/x', 'a/x'], [['a/x']]],
    [
      'braces and one-part setups',
      [
        { line: 1, globs: ['{eu,us}'] },
        { line: 2, globs: ['ap'] }
      ],
      ['ap', 'us', 'eu', 'sa'],
      [['eu', 'us'], ['ap'], ['sa']]
    ]
  ])('%s', (_name, given, setups, expected) => {
    expect(groupWaves(given, setups)).toEqual(expected)
  })
})

describe('namedByWaves', () => {
  it.each<[WaveLine[], string, boolean]>([
    [[], 'a/b', false],
    [lines('a/*'), 'a/b', true],
    [lines('a/*'), 'b/a', false],
    [lines('x/*', 'b/?'), 'b/a', true],
    [lines('a'), 'a/b', false]
  ])('%j names %s: %s', (given, setup, expected) => {
    expect(namedByWaves(given, setup)).toBe(expected)
  })
})

describe('checkWaveLines', () => {
  const repository = ['prod/eu', 'prod/us', 'stage/a']

  it('every line matches some setup: fine', () => {
    expect(() =>
      checkWaveLines(lines('stage/*', 'prod/eu, prod/nowhere'), repository)
    ).not.toThrow()
  })

  it.each<[string, WaveLine[], string[], string]>([
    [
      'a line with a typo, by its line',
      lines('stage/*', 'prd/*'),
      repository,
      "input 'waves' line 2 (prd/*) matches no setup of the repository (its setups are prod/eu, prod/us, stage/a); correct the glob or remove the line. Nothing was deployed."
    ],
    [
      'a glob matching more path parts than a setup has',
      [{ line: 3, globs: ['prod/eu/default'] }],
      repository,
      "input 'waves' line 3 (prod/eu/default) matches no setup of the repository (its setups are prod/eu, prod/us, stage/a); correct the glob or remove the line. Nothing was deployed."
    ],
    [
      'a repository without setups',
      lines('a'),
      [],
      "input 'waves' line 1 (a) matches no setup of the repository (it has none); correct the glob or remove the line. Nothing was deployed."
    ],
    [
      'many setups: ten named, the rest counted',
      lines('x'),
      Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(2, '0')}`),
      "input 'waves' line 1 (x) matches no setup of the repository (its setups are s00, s01, s02, s03, s04, s05, s06, s07, s08, s09 and 2 more); correct the glob or remove the line. Nothing was deployed."
    ]
  ])('%s', (_name, given, setups, message) => {
    expect(() => checkWaveLines(given, setups)).toThrow(new WavesInputError(message))
  })
})
