import { describe, expect, it } from 'vitest'
import { fromCompareFiles } from '../../../src/changes/compare.ts'
import { foldCommits } from '../../../src/changes/payload.ts'
import type { PayloadCommit } from '../../../src/github/event.ts'

const commit = (c: Partial<PayloadCommit>): PayloadCommit => ({
  id: 'x',
  added: [],
  removed: [],
  modified: [],
  ...c
})

describe('foldCommits: the payload commits, in order', () => {
  it.each([
    ['added then removed is no change', [commit({ added: ['p'] }), commit({ removed: ['p'] })], []],
    [
      'removed then added back is a modification',
      [commit({ removed: ['p'] }), commit({ added: ['p'] })],
      [{ path: 'p', status: 'modified' }]
    ],
    [
      'added then modified is an addition',
      [commit({ added: ['p'] }), commit({ modified: ['p'] })],
      [{ path: 'p', status: 'added' }]
    ],
    [
      'modified then removed is a removal',
      [commit({ modified: ['p'] }), commit({ removed: ['p'] })],
      [{ path: 'p', status: 'removed' }]
    ],
    [
      'a rename is a removal plus an addition',
      [commit({ removed: ['old'], added: ['new'] })],
      [
        { path: 'new', status: 'added' },
        { path: 'old', status: 'removed' }
      ]
    ],
    ['no commits, no changes', [], []]
  ])('%s', (_name, commits, expected) => {
    expect(foldCommits(commits)).toEqual(expected)
  })
})

describe('fromCompareFiles: compare API statuses', () => {
  it('maps every status; renames split, unchanged dropped', () => {
    expect(
      fromCompareFiles([
        { filename: 'a', status: 'added', previousFilename: undefined },
        { filename: 'b', status: 'removed', previousFilename: undefined },
        { filename: 'c', status: 'modified', previousFilename: undefined },
        { filename: 'd', status: 'changed', previousFilename: undefined },
        { filename: 'e', status: 'copied', previousFilename: 'a' },
        { filename: 'f', status: 'renamed', previousFilename: 'g' },
        { filename: 'h', status: 'unchanged', previousFilename: undefined }
      ])
    ).toEqual([
      { path: 'a', status: 'added' },
      { path: 'b', status: 'removed' },
      { path: 'c', status: 'modified' },
      { path: 'd', status: 'modified' },
      { path: 'e', status: 'added' },
      { path: 'g', status: 'removed' },
      { path: 'f', status: 'added' }
    ])
  })

  it('refuses a status it does not know', () => {
    expect(() =>
      fromCompareFiles([{ filename: 'a', status: 'exploded', previousFilename: undefined }])
    ).toThrow("unknown compare status 'exploded' for a")
  })
})
