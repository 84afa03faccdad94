import { describe, expect, it } from 'vitest'
import {
  createWarnings,
  crdState,
  droppedStoredVersions,
  droppedVersions,
  previewNote,
  replacePlan,
  type CrdState,
  type PreviewedCrd
} from '../../../src/engine/crd-policy.ts'
import type { DesiredObject, JsonObject } from '../../../src/engine/drift-compare.ts'
import type { CrdPolicy } from '../../../src/types/plan.ts'

// What the CRD policy does with each CRD of a chart's crds/ folders: the guard on
// stored versions, the comparison with the live CRD, create-replace's plan,
// create's warnings, and the line a preview shows.

const NAME = 'widgets.example.com'

function crd(versions: readonly string[], fields: readonly string[] = ['size']): JsonObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: NAME },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: versions.map((name, i) => ({
        name,
        served: true,
        storage: i === versions.length - 1,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: Object.fromEntries(fields.map((f) => [f, { type: 'string' }]))
          }
        }
      }))
    }
  }
}

/** As the API server holds it: defaults it added, its status. */
function live(chart: JsonObject, stored: readonly string[]): JsonObject {
  const spec = chart.spec as JsonObject
  return {
    ...chart,
    metadata: { name: NAME, uid: 'u', resourceVersion: '7', generation: 2 },
    spec: {
      ...spec,
      conversion: { strategy: 'None' },
      names: { ...(spec.names as JsonObject), listKind: 'WidgetList', singular: 'widget' }
    },
    status: {
      storedVersions: [...stored],
      conditions: [{ type: 'Established', status: 'True' }]
    }
  }
}

const desired = (body: JsonObject): DesiredObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  name: NAME,
  namespace: undefined,
  body
})

describe('droppedStoredVersions: the guard', () => {
  it.each<[string, string[], string[], string[]]>([
    ['the stored version kept', ['v1'], ['v1'], []],
    ['a version added', ['v1', 'v2'], ['v1'], []],
    ['the old stored version dropped', ['v2'], ['v1'], ['v1']],
    ['stored at two versions, one dropped', ['v2'], ['v1', 'v2'], ['v1']],
    ['stored at two versions, both dropped', ['v3'], ['v1', 'v2'], ['v1', 'v2']],
    ['a served version never stored dropped', ['v2'], ['v2'], []],
    ['a live CRD without status (none stored yet)', ['v2'], [], []]
  ])('%s', (_name, chartVersions, stored, dropped) => {
    expect(droppedStoredVersions(crd(chartVersions), live(crd(['v1']), stored))).toEqual(dropped)
  })
})

describe('crdState: one CRD of the chart against the cluster', () => {
  it.each<[string, JsonObject, JsonObject | undefined, CrdState]>([
    ['none in the cluster', crd(['v1']), undefined, { name: NAME, change: 'new', dropsStored: [] }],
    [
      'as the chart says, the defaults and status the server added are no change',
      crd(['v1']),
      live(crd(['v1']), ['v1']),
      { name: NAME, change: 'same', dropsStored: [] }
    ],
    [
      'a field more in the chart',
      crd(['v1'], ['size', 'color']),
      live(crd(['v1']), ['v1']),
      { name: NAME, change: 'changed', dropsStored: [] }
    ],
    [
      'a version more',
      crd(['v1', 'v2']),
      live(crd(['v1']), ['v1']),
      { name: NAME, change: 'changed', dropsStored: [] }
    ],
    [
      'a stored version dropped',
      crd(['v2']),
      live(crd(['v1', 'v2']), ['v1', 'v2']),
      { name: NAME, change: 'changed', dropsStored: ['v1'] }
    ]
  ])('%s', (_name, chart, cluster, state) => {
    expect(crdState(desired(chart), cluster)).toEqual(state)
  })
})

const state = (name: string, change: CrdState['change'], dropsStored: string[] = []): CrdState => ({
  name,
  change,
  dropsStored
})

describe('replacePlan: crds: create-replace before the install or upgrade', () => {
  it('applies what is new or changed, in order; leaves what matches', () => {
    expect(
      replacePlan([state('a.x', 'changed'), state('b.x', 'same'), state('c.x', 'new')], 'upgrade')
    ).toEqual({
      kind: 'apply',
      apply: ['a.x', 'c.x'],
      note: 'crds: create-replace applied 2 CRD(s) server-side before the upgrade: a.x (changed), c.x (new)'
    })
  })
  it('nothing to apply: no note', () => {
    expect(replacePlan([state('a.x', 'same')], 'install')).toEqual({
      kind: 'apply',
      apply: [],
      note: undefined
    })
  })
  it('refuses all of them when one drops a stored version, naming each such CRD and version', () => {
    expect(
      replacePlan(
        [
          state('a.x', 'new'),
          state('b.x', 'changed', ['v1']),
          state('c.x', 'changed', ['v1alpha1', 'v1beta1'])
        ],
        'upgrade'
      )
    ).toEqual({
      kind: 'refuse',
      reason:
        "crds: create-replace refused: CRD b.x drops version v1; CRD c.x drops version v1alpha1, v1beta1, which status.storedVersions still lists (objects may be stored at it); no CRD was applied and helm upgrade was not run. Migrate the stored objects to a version the chart keeps and remove the dropped version from the CRD's status.storedVersions, then deploy again"
    })
  })
})

describe('createWarnings: crds: create once helm ran', () => {
  it.each<[string, CrdState[], string[]]>([
    ['all as in the cluster', [state('a.x', 'same')], []],
    [
      'changed',
      [state('a.x', 'changed')],
      [
        'CRD a.x changed in the chart; under crds: create it is not applied; set crds: create-replace'
      ]
    ],
    [
      'new in the chart, and the upgrade did not create it',
      [state('a.x', 'new')],
      [
        'CRD a.x is new in the chart; under crds: create an upgrade does not create it; set crds: create-replace'
      ]
    ],
    [
      'changed, dropping a stored version',
      [state('a.x', 'changed', ['v1'])],
      [
        'CRD a.x changed in the chart; under crds: create it is not applied; set crds: create-replace (it drops version v1, which the cluster still stores: migrate those objects first)'
      ]
    ]
  ])('%s', (_name, states, warnings) => {
    expect(createWarnings(states)).toEqual(warnings)
  })
})

describe('previewNote: what the policy will do with a CRD change a pull request makes', () => {
  const crdOf = (
    change: PreviewedCrd['change'],
    operation: PreviewedCrd['operation'],
    dropped: string[] = []
  ): PreviewedCrd => ({
    name: NAME,
    change,
    operation,
    dropped
  })
  const changed = `CRD ${NAME} (crds/) changed in the chart`
  const added = `CRD ${NAME} (crds/) is new in the chart`
  it.each<[CrdPolicy, PreviewedCrd, string]>([
    [
      'create',
      crdOf('changed', 'upgrade'),
      `${changed}: not applied under crds: create (a warning on deploy); set crds: create-replace`
    ],
    [
      'create',
      crdOf('added', 'upgrade'),
      `${added}: not applied under crds: create (a warning on deploy); set crds: create-replace`
    ],
    [
      'create',
      crdOf('added', 'install'),
      `${added}: created by the install unless the cluster has it (crds: create)`
    ],
    [
      'create-replace',
      crdOf('changed', 'upgrade'),
      `${changed}: applied server-side before the upgrade (crds: create-replace)`
    ],
    [
      'create-replace',
      crdOf('added', 'install'),
      `${added}: applied server-side before the install (crds: create-replace)`
    ],
    [
      'create-replace',
      crdOf('changed', 'upgrade', ['v1']),
      `${changed}: applied server-side before the upgrade (crds: create-replace); it drops version v1, so the deploy is refused while the cluster stores objects at it`
    ],
    ['skip', crdOf('changed', 'upgrade'), `${changed}: ignored (crds: skip)`],
    ['skip', crdOf('added', 'install'), `${added}: ignored (crds: skip)`],
    [
      'create-replace',
      crdOf('removed', 'upgrade'),
      `CRD ${NAME} (crds/) is no longer in the chart: left in the cluster (helm never deletes a CRD of crds/)`
    ],
    [
      'create',
      crdOf('removed', 'uninstall'),
      `CRD ${NAME} (crds/) is no longer in the chart: left in the cluster (helm never deletes a CRD of crds/)`
    ]
  ])('%s, %j', (policy, previewed, note) => {
    expect(previewNote(policy, previewed)).toBe(note)
  })

  it('droppedVersions: what base listed and head does not', () => {
    expect(droppedVersions(crd(['v1', 'v2']), crd(['v2', 'v3']))).toEqual(['v1'])
    expect(droppedVersions(crd(['v1']), crd(['v1', 'v2']))).toEqual([])
  })
})
