import { manifestObjects } from '../engine/drift-compare.ts'

// Pure: the objects a release's health is read for, from its manifest as helm
// stored it (hooks are not part of it: helm waits for those itself).

/** One object of the release: where it is looked for. */
export interface ObjectRef {
  readonly apiVersion: string
  readonly kind: string
  readonly name: string
  /** As the manifest says, else the release's (a cluster-scoped kind ignores it). */
  readonly namespace: string
}

/** Every object of the manifest once, in its order. */
export function releaseObjects(manifest: string, namespace: string): ObjectRef[] {
  const seen = new Set<string>()
  const refs: ObjectRef[] = []
  for (const object of manifestObjects(manifest)) {
    const ref = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.name,
      namespace: object.namespace ?? namespace
    }
    const key = `${ref.apiVersion} ${ref.kind} ${ref.namespace}/${ref.name}`
    if (seen.has(key)) continue
    seen.add(key)
    refs.push(ref)
  }
  return refs
}

/** How notes name an object: `Kind/name`, as `ignore` takes it. */
export function objectLabel(ref: Pick<ObjectRef, 'kind' | 'name'>): string {
  return `${ref.kind}/${ref.name}`
}
