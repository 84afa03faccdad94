import { describe, expect, it } from 'vitest'
import { CRDS_MARK, renderedObjects, withCrdNotes } from '../../../src/engine/preview-crds.ts'
import { diffObjects } from '../../../src/render/object-diff.ts'
import type { CrdPolicy } from '../../../src/types/plan.ts'

// A preview's render with the CRDs of crds/ folders: keyed apart from the
// templates' objects, and each change says what the plan's policy does with it.

const NAME = 'widgets.example.com'
const KEY = `apiextensions.k8s.io/v1 CustomResourceDefinition ns/${NAME}${CRDS_MARK}`

function crd(versions: readonly string[]): string {
  return [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    `metadata: { name: ${NAME} }`,
    `spec: { group: example.com, versions: [${versions.map((v) => `{ name: ${v}, served: true }`).join(', ')}] }`,
    ''
  ].join('\n')
}

/** `helm template --include-crds` of a chart with one crds/ CRD, a templated CRD and a ConfigMap. */
function manifest(versions: readonly string[], message = 'hi'): string {
  return [
    `---\n# Source: web/crds/widget.yaml\n${crd(versions)}`,
    '---\n# Source: web/templates/crd.yaml\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: gadgets.example.com }\n',
    `---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { message: ${message} }\n`
  ].join('')
}

describe('renderedObjects', () => {
  it('marks the objects of crds/ in their key; a templated CRD is an object like any other', () => {
    expect(renderedObjects(manifest(['v1']), 'ns').map((o) => o.key)).toEqual([
      'apiextensions.k8s.io/v1 CustomResourceDefinition ns/gadgets.example.com',
      KEY,
      'v1 ConfigMap ns/web'
    ])
  })
})

describe('withCrdNotes', () => {
  const note = (policy: CrdPolicy, base: string | undefined, head: string | undefined) => {
    const before = base === undefined ? undefined : renderedObjects(base, 'ns')
    const after = head === undefined ? undefined : renderedObjects(head, 'ns')
    const diff = withCrdNotes(diffObjects(before, after), before, after, policy)
    return diff.objects.map((o) => [o.change, o.key, o.note])
  }

  it.each<
    [
      string,
      CrdPolicy,
      string | undefined,
      string | undefined,
      [string, string, string | undefined][]
    ]
  >([
    [
      'create: a changed CRD is not applied; other objects get no note',
      'create',
      manifest(['v1']),
      manifest(['v1', 'v2'], 'ho'),
      [
        [
          'changed',
          KEY,
          `CRD ${NAME} (crds/) changed in the chart: not applied under crds: create (a warning on deploy); set crds: create-replace`
        ],
        ['changed', 'v1 ConfigMap ns/web', undefined]
      ]
    ],
    [
      'create-replace: a version dropped is named',
      'create-replace',
      manifest(['v1', 'v2']),
      manifest(['v2']),
      [
        [
          'changed',
          KEY,
          `CRD ${NAME} (crds/) changed in the chart: applied server-side before the upgrade (crds: create-replace); it drops version v1, so the deploy is refused while the cluster stores objects at it`
        ]
      ]
    ],
    [
      'a new plan: an install',
      'create',
      undefined,
      manifest(['v1']),
      [
        [
          'added',
          'apiextensions.k8s.io/v1 CustomResourceDefinition ns/gadgets.example.com',
          undefined
        ],
        [
          'added',
          KEY,
          `CRD ${NAME} (crds/) is new in the chart: created by the install unless the cluster has it (crds: create)`
        ],
        ['added', 'v1 ConfigMap ns/web', undefined]
      ]
    ],
    [
      'a removed plan: the CRD stays',
      'create',
      manifest(['v1']),
      undefined,
      [
        [
          'removed',
          'apiextensions.k8s.io/v1 CustomResourceDefinition ns/gadgets.example.com',
          undefined
        ],
        [
          'removed',
          KEY,
          `CRD ${NAME} (crds/) is no longer in the chart: left in the cluster (helm never deletes a CRD of crds/)`
        ],
        ['removed', 'v1 ConfigMap ns/web', undefined]
      ]
    ],
    ['skip: unchanged CRD, nothing to say', 'skip', manifest(['v1']), manifest(['v1']), []]
  ])('%s', (_name, policy, base, head, expected) => {
    expect(note(policy, base, head)).toEqual(expected)
  })
})
