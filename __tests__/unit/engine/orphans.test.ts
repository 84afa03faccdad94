import { describe, expect, it } from 'vitest'
import {
  objectsOutside,
  orphansOf,
  ownershipOf,
  type Ownership
} from '../../../src/engine/orphans.ts'
import type { Revision } from '../../../src/engine/observation.ts'
import { ownershipSignature } from '../../../src/engine/ownership.ts'

const marker = { commit: 'c'.repeat(40), digest: 'd', finished: true }
const rev = (release: string, revision: number, status: string, ours = true): Revision => ({
  release,
  revision,
  status,
  created: 0,
  marker: ours ? marker : undefined
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
      {
        namespace: 'ns',
        release: 'broken',
        revision: 1,
        marker,
        observation: { kind: 'failed', revision: 1, marker, lastGood: undefined }
      },
      {
        namespace: 'ns',
        release: 'gone',
        revision: 2,
        marker,
        observation: { kind: 'deployed', revision: 2, marker }
      },
      {
        namespace: 'ns',
        release: 'handedover',
        revision: 2,
        marker,
        observation: { kind: 'deployed', revision: 2, marker }
      }
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
