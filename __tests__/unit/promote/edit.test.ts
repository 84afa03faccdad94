import { describe, expect, it } from 'vitest'
import { carryKeys, PlanEditError } from '../../../src/promote/edit.ts'
import type { PromotionKey } from '../../../src/types/promotion.ts'

// Every expected text is written out whole: the rest of the target stays byte for byte.

const TARGET = [
  '# prod: reviewed by the payments team',
  'chart: bed/hello   # the chart of every web release',
  '',
  'version: "0.1.0" # pinned: bumped by promotion',
  'values:',
  '  - values/web.yaml',
  'set:',
  '  replicas: 3 # prod runs three',
  '  image:',
  '    tag: v1',
  '# the end',
  ''
].join('\n')

describe('carryKeys', () => {
  it.each<[string, string, string, readonly PromotionKey[], string]>([
    [
      'a version: only the value changes, quoting and comments of the target kept',
      TARGET,
      'chart: bed/hello\nversion: 0.2.0\n',
      ['version'],
      TARGET.replace('"0.1.0"', '0.2.0')
    ],
    [
      'the source writes the value as it wrote it (quoted)',
      'chart: x\nversion: 1.0 # old\n',
      "chart: x\nversion: '1.10'\n",
      ['version'],
      "chart: x\nversion: '1.10' # old\n"
    ],
    [
      'a version the target leaves out goes after chart',
      '# c\nchart: bed/hello # chart\nvalues: v.yaml\n',
      'chart: bed/hello\nversion: 0.2.0\n',
      ['version'],
      '# c\nchart: bed/hello # chart\nversion: 0.2.0\nvalues: v.yaml\n'
    ],
    [
      'a file without a final line break',
      'chart: x',
      'chart: x\nversion: 2\n',
      ['version'],
      'chart: x\nversion: 2\n'
    ],
    [
      'a version the source leaves out is not carried',
      'chart: x\nversion: 1\n',
      'chart: x\n',
      ['version'],
      'chart: x\nversion: 1\n'
    ],
    [
      'a block set replaces a block set, re-indented, the comment after it kept',
      TARGET,
      'chart: bed/hello\nset:\n    replicas: 1\n    image:\n        tag: v2 # canary\n',
      ['set'],
      TARGET.replace(
        '  replicas: 3 # prod runs three\n  image:\n    tag: v1\n',
        '  replicas: 1\n  image:\n      tag: v2 # canary\n'
      )
    ],
    [
      'a flow set replaces a block set in its place',
      'chart: x\nset:\n  a: 1\nkeep: true\n',
      'chart: x\nset: {a: 2, b: 3}\n',
      ['set'],
      'chart: x\nset:\n  {a: 2, b: 3}\nkeep: true\n'
    ],
    [
      'a block set after an inline one moves below its key',
      'chart: x\nset: {a: 1}  # inline\nkeep: true\n',
      'chart: x\nset:\n  a: 2\n  b: 3\n',
      ['set'],
      'chart: x\nset:\n  a: 2\n  b: 3  # inline\nkeep: true\n'
    ],
    [
      'a set the target leaves out goes at the end, indented as the file is',
      '  chart: x\n  keep: true\n',
      'chart: x\nset:\n  a: 1\n',
      ['set'],
      '  chart: x\n  keep: true\n  set:\n    a: 1\n'
    ],
    [
      'chart carries repository along',
      'chart: nuclio\nrepository: https://old.example\nversion: 1\n',
      'chart: nuclio2\nrepository: https://new.example # mirror\n',
      ['chart'],
      'chart: nuclio2\nrepository: https://new.example\nversion: 1\n'
    ],
    [
      'chart without repository in the source drops the target repository line',
      'chart: nuclio\nrepository: https://old.example # old\nversion: 1\n',
      'chart: stable/nuclio\n',
      ['chart'],
      'chart: stable/nuclio\nversion: 1\n'
    ],
    [
      'several keys at once, CRLF line ends kept',
      'chart: a\r\nversion: 1\r\n',
      'chart: b\nversion: 2\nset:\n  x: 1\n',
      ['chart', 'version', 'set'],
      'chart: b\r\nversion: 2\r\nset:\r\n  x: 1\r\n'
    ],
    [
      'a multi-line scalar becomes one quoted line',
      'chart: x\nversion: 1\n',
      'chart: x\nversion: >-\n  2.0\n',
      ['version'],
      'chart: x\nversion: "2.0"\n'
    ],
    [
      'an empty value gets the new one after its colon',
      'chart: x\nset:\nkeep: true\n',
      'chart: x\nset: {a: 1}\n',
      ['set'],
      'chart: x\nset: {a: 1}\nkeep: true\n'
    ]
  ])('%s', (_name, target, source, keys, expected) => {
    expect(carryKeys(target, source, keys)).toBe(expected)
  })

  it('keeps every byte outside the edited value', () => {
    const edited = carryKeys(TARGET, 'chart: bed/hello\nversion: 0.2.0\n', ['version'])
    const at = TARGET.indexOf('"0.1.0"')
    expect(edited.slice(0, at)).toBe(TARGET.slice(0, at))
    expect(edited.slice(at + '0.2.0'.length)).toBe(TARGET.slice(at + '"0.1.0"'.length))
  })

  it.each([
    ['a flow mapping', '{chart: x, version: 1}', /not a block mapping/],
    ['invalid YAML', 'chart: [x\n', /not valid YAML/]
  ])('refuses to edit %s', (_name, target, error) => {
    expect(() => carryKeys(target, 'chart: x\nversion: 2\n', ['version'])).toThrow(PlanEditError)
    expect(() => carryKeys(target, 'chart: x\nversion: 2\n', ['version'])).toThrow(error)
  })
})
