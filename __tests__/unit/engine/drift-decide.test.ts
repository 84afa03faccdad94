import { describe, expect, it } from 'vitest'
import {
  checkDecision,
  corrects,
  objectsOutside,
  orphansOf,
  ownershipOf,
  pruneDecision,
  type Ownership,
  type PruneInput
} from '../../../src/engine/drift-decide.ts'
import type { Observation, Revision } from '../../../src/engine/observation.ts'
import { ownershipSignature } from '../../../src/engine/ownership.ts'
import { DEFAULT_OPTIONS } from '../../../src/plan/plan-options.ts'
import type { PlannedStep } from '../../../src/types.ts'

const marker = { commit: 'c'.repeat(40), digest: 'd', finished: true }
const rev = (release: string, revision: number, status: string, ours = true): Revision => ({
  release,
  revision,
  status,
  created: 0,
  marker: ours ? marker : undefined
})

const noHooks = {
  'pre-install': [],
  'post-install': [],
  'pre-upgrade': [],
  'post-upgrade': [],
  'pre-uninstall': [],
  'post-uninstall': []
}
const step = (suspend = false): PlannedStep => ({
  action: 'apply',
  target: { plan: 's/a/ns/web.yaml', setup: 's/a', namespace: 'ns', release: 'web' },
  reasons: [],
  spec: {
    chart: { kind: 'alias', alias: 'stable', name: 'web' },
    chartText: 'stable/web',
    values: [],
    hooks: noHooks,
    needs: [],
    driftIgnore: [],
    options: { ...DEFAULT_OPTIONS, suspend }
  }
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
    expect(checkDecision(step(), observation).kind).toBe(kind)
  })

  it.each<Observation>([
    { kind: 'absent' },
    { kind: 'deployed', revision: 3, marker },
    { kind: 'failed', revision: 3, marker, lastGood: 2 }
  ])('a suspended plan is neither checked nor corrected, whatever the cluster holds: %j', (o) => {
    expect(checkDecision(step(true), o)).toEqual({
      kind: 'suspended',
      note: 'suspended: release ns/web is left as it is (suspend: true)'
    })
  })

  it('a release of another tool is never checked nor corrected, and says so', () => {
    expect(checkDecision(step(), { kind: 'foreign', revision: 1, status: 'deployed' })).toEqual({
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

describe('ownershipOf: only a signature made with the key proves an orphan ours', () => {
  const KEY = 'k'.repeat(32)
  /** `digest: null`: a marker of an older version, without one. */
  const orphan = (signature: string | undefined, digest: string | null = 'd') => ({
    namespace: 'ns',
    release: 'gone',
    revision: 2,
    marker: {
      ...marker,
      digest: digest ?? undefined,
      ...(signature !== undefined && { signature })
    }
  })
  const signed = (over: { namespace?: string; release?: string; revision?: number }) =>
    ownershipSignature(KEY, { namespace: 'ns', release: 'gone', revision: 2, digest: 'd', ...over })
  it.each<[string, ReturnType<typeof orphan>, string | undefined, Ownership['kind']]>([
    ['signed with the key', orphan(signed({})), KEY, 'verified'],
    ['no key given', orphan(signed({})), undefined, 'no-key'],
    ['no signature label', orphan(undefined), KEY, 'unsigned'],
    ['no digest (an older marker)', orphan(signed({}), null), KEY, 'unsigned'],
    ['signed with another key', orphan(signed({})), 'o'.repeat(32), 'forged'],
    ["copied from another release's revision", orphan(signed({ release: 'kept' })), KEY, 'forged'],
    ['copied from another namespace', orphan(signed({ namespace: 'other' })), KEY, 'forged'],
    [
      "an earlier revision's (helm copies labels forward)",
      orphan(signed({ revision: 1 })),
      KEY,
      'forged'
    ],
    ['a truncated signature', orphan(signed({}).slice(0, 31)), KEY, 'forged'],
    ['garbage', orphan('true'), KEY, 'forged']
  ])('%s → %s', (_, o, key, kind) => {
    expect(ownershipOf(o, key).kind).toBe(kind)
  })
})

describe('objectsOutside: what of a stored release lives outside its namespace', () => {
  it.each([
    [{ kind: 'ConfigMap', name: 'a', namespace: undefined, namespaced: true }, []],
    [{ kind: 'ConfigMap', name: 'a', namespace: 'ns', namespaced: true }, []],
    [
      { kind: 'ConfigMap', name: 'a', namespace: 'kube-system', namespaced: true },
      ['ConfigMap/kube-system/a']
    ],
    [
      { kind: 'ClusterRole', name: 'admin', namespace: undefined, namespaced: false },
      ['ClusterRole/admin']
    ],
    [{ kind: 'Namespace', name: 'ns', namespace: 'ns', namespaced: false }, ['Namespace/ns']],
    [
      { kind: 'Widget', name: 'w', namespace: undefined, namespaced: undefined },
      ['Widget/w (a kind the server does not serve)']
    ]
  ] as const)('%j → %j', (object, expected) => {
    expect(objectsOutside('ns', [object])).toEqual(expected)
  })
})

describe('pruneDecision: orphan × ownership × scope → prune or report', () => {
  const orphan = { namespace: 'ns', release: 'gone', revision: 3, marker }
  const asked = (kind: Exclude<Ownership['kind'], 'verified'>): PruneInput => ({
    prune: true,
    ownership: { kind }
  })
  const ours = (outside: string[] = []): PruneInput => ({
    prune: true,
    ownership: { kind: 'verified' },
    outside
  })
  const byHand = 'uninstall it by hand if it is no longer needed'
  it.each<[string, PruneInput, ReturnType<typeof pruneDecision>]>([
    ['prune not asked', { prune: false }, { kind: 'report', reason: 'prune: true uninstalls it' }],
    [
      'no ownership key',
      asked('no-key'),
      {
        kind: 'report',
        reason:
          'not uninstalled: prune needs the ownership-key input to tell the releases this action deployed'
      }
    ],
    [
      'unsigned',
      asked('unsigned'),
      {
        kind: 'report',
        reason: `not uninstalled: revision 3 carries no ownership signature (deployed before ownership-key was set, or its deploy did not finish); ${byHand}`
      }
    ],
    [
      'forged, even when it stays in its namespace',
      asked('forged'),
      {
        kind: 'report',
        reason: `not uninstalled: the ownership signature on revision 3 does not verify (copied from another release, forged, or made with another key); ${byHand}`
      }
    ],
    [
      'verified but holding a cluster-scoped object',
      ours(['ClusterRole/admin', 'ConfigMap/kube-system/a']),
      {
        kind: 'report',
        reason: `not uninstalled: its release holds objects outside namespace ns (ClusterRole/admin, ConfigMap/kube-system/a), which prune never deletes; ${byHand}`
      }
    ],
    ['verified, all in its namespace', ours(), { kind: 'prune' }]
  ])('%s', (_, input, expected) => {
    expect(pruneDecision(orphan, input)).toEqual(expected)
  })
})
