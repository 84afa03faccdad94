import { CORE_SCHEMA, load } from 'js-yaml'
import { splitCrds } from '../render/chart-crds.ts'
import { parseManifest, type RenderedObject } from '../render/objects.ts'
import type { CrdPolicy } from '../types/plan.ts'
import type { ObjectDiff, RenderDiff } from '../types/results.ts'
import { droppedVersions, previewNote } from './crd-policy.ts'
import type { JsonObject } from './drift-compare.ts'

// Pure: a preview renders the charts' `crds/` CRDs too (`helm template
// --include-crds`), keyed apart from the templates' objects: helm installs them
// once and never upgrades them, so each change to one says what the plan's CRD
// policy will do with it.

/** Marks an object of a `crds/` folder in its key. */
export const CRDS_MARK = ' (crds/)'

/** The objects of a render with CRDs included, those of `crds/` marked, sorted by key. */
export function renderedObjects(manifest: string, namespace: string): RenderedObject[] {
  const { crds, templates } = splitCrds(manifest)
  return [
    ...parseManifest(templates, namespace),
    ...parseManifest(crds, namespace).map((o) => ({ ...o, key: `${o.key}${CRDS_MARK}` }))
  ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

function crdOf(
  objects: readonly RenderedObject[] | undefined,
  key: string
): JsonObject | undefined {
  const found = objects?.find((o) => o.key === key)
  if (!found) return undefined
  const parsed = load(found.yaml, { schema: CORE_SCHEMA }) as JsonObject | null
  return parsed?.kind === 'CustomResourceDefinition' ? parsed : undefined
}

function nameOf(crd: JsonObject): string {
  const metadata = crd.metadata as { name?: unknown } | undefined
  return typeof metadata?.name === 'string' ? metadata.name : '?'
}

/**
 * Each changed CRD of `crds/` with the line saying what a deploy of the change does
 * with it. `base` undefined: a new plan (an install); `head` undefined: a removed one.
 */
export function withCrdNotes(
  diff: RenderDiff,
  base: readonly RenderedObject[] | undefined,
  head: readonly RenderedObject[] | undefined,
  policy: CrdPolicy
): RenderDiff {
  const operation = head === undefined ? 'uninstall' : base === undefined ? 'install' : 'upgrade'
  const objects = diff.objects.map((o): ObjectDiff => {
    if (!o.key.endsWith(CRDS_MARK)) return o
    const before = crdOf(base, o.key)
    const after = crdOf(head, o.key)
    const crd = after ?? before
    if (!crd) return o
    const dropped = before && after ? droppedVersions(before, after) : []
    return {
      ...o,
      note: previewNote(policy, { name: nameOf(crd), change: o.change, operation, dropped })
    }
  })
  return { ...diff, objects }
}

/** The notes of a diff's objects, for the plan's notes. */
export function objectNotes(diff: RenderDiff): string[] {
  return diff.objects.flatMap((o) => (o.note ? [o.note] : []))
}
