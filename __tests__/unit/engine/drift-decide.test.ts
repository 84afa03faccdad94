import { describe, expect, it } from 'vitest'
import { checkDecision, corrects, orphansOf } from '../../../src/engine/drift-decide.ts'
import type { Revision } from '../../../src/engine/observation.ts'

const marker = { commit: 'c'.repeat(40), digest: 'd', finished: true }
const rev = (release: string, revision: number, status: string, ours = true): Revision => ({
  release,
  revision,
  status,
  created: 0,
  marker: ours ? marker : undefined
})

describe('checkDecision', () => {
  it.each([
    [{ kind: 'absent' } as const, 'release-missing'],
    [{ kind: 'foreign', revision: 1, status: 'deployed' } as const, 'leave'],
    [
      {
        kind: 'pending',
        revision: 2,
        status: 'pending-upgrade',
        since: 0,
        marker,
        lastGood: 1
      } as const,
      'leave'
    ],
    [{ kind: 'deployed', revision: 3, marker } as const, 'compare'],
    [{ kind: 'failed', revision: 3, marker, lastGood: 2 } as const, 'compare']
  ])('%j → %s', (observation, kind) => {
    expect(checkDecision(observation, 'ns/web').kind).toBe(kind)
  })

  it('a release of another tool is never checked nor corrected, and says so', () => {
    expect(checkDecision({ kind: 'foreign', revision: 1, status: 'deployed' }, 'ns/web')).toEqual({
      kind: 'leave',
      reason:
        'release ns/web (revision 1) was not deployed by gitops-action: not checked, never corrected'
    })
  })
})

describe('corrects', () => {
  const drifted = { object: 'ConfigMap/ns/a', state: 'drifted' as const, fields: [] }
  const unknown = { object: 'Widget/ns/a', state: 'unknown-kind' as const, fields: [] }
  it.each([
    ['report', [drifted], false],
    ['correct', [], false],
    ['correct', [drifted], true],
    ['correct', [unknown], false],
    ['correct', [unknown, drifted], true]
  ] as const)('%s with %j → %s', (action, objects, expected) => {
    expect(corrects(action, objects)).toBe(expected)
  })
})

describe('orphansOf: releases with the marker that no plan declares', () => {
  const declared = new Set(['ns/kept'])
  it('finds the marked ones only; declared, uninstalled, pending and hand-installed ones are not orphans', () => {
    const revisions = [
      rev('kept', 1, 'deployed'),
      rev('gone', 1, 'superseded'),
      rev('gone', 2, 'deployed'),
      rev('broken', 1, 'failed'),
      rev('byhand', 1, 'deployed', false),
      rev('handedover', 1, 'deployed', false),
      rev('handedover', 2, 'deployed'),
      rev('removed', 1, 'uninstalled'),
      rev('busy', 1, 'pending-install')
    ]
    expect(orphansOf('ns', revisions, declared)).toEqual([
      { namespace: 'ns', release: 'broken', revision: 1, marker },
      { namespace: 'ns', release: 'gone', revision: 2, marker },
      { namespace: 'ns', release: 'handedover', revision: 2, marker }
    ])
  })
  it('a release taken over by hand (newest revision without the marker) is not an orphan', () => {
    expect(
      orphansOf('ns', [rev('x', 1, 'superseded'), rev('x', 2, 'deployed', false)], declared)
    ).toEqual([])
  })
})
