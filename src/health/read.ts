import { KubeApiError, listItems, type KubeClient } from '../cluster/client.ts'
import { UnknownKindError, type ResourceFinder } from '../cluster/resources.ts'
import { mapLimited } from '../engine/pool.ts'
import { stringField, type LiveObject } from './fields.ts'
import type { ObjectRef } from './objects.ts'

// One read of a release's objects, the cheap way: one request per API version, kind
// and namespace, however many objects of it the release holds — a LIST of the
// collection, the release's objects taken out of it (a GET when the release holds
// just one: the same one request, without the rest of the collection).

export type LiveRead =
  | { readonly kind: 'found'; readonly object: LiveObject; readonly namespaced: boolean }
  | { readonly kind: 'missing'; readonly namespaced: boolean }
  | { readonly kind: 'unknown-kind'; readonly reason: string }

const COLLECTIONS_AT_ONCE = 4

/** Each object as the API server holds it now, in the order of `refs`; an API error is thrown. */
export async function readObjects(
  client: KubeClient,
  finder: ResourceFinder,
  refs: readonly ObjectRef[]
): Promise<LiveRead[]> {
  const reads = new Array<LiveRead>(refs.length)
  const groups = new Map<string, { namespaced: boolean; members: number[]; paths: string[] }>()
  for (const [index, ref] of refs.entries()) {
    let resource
    try {
      resource = await finder.find(ref)
    } catch (error) {
      if (!(error instanceof UnknownKindError)) throw error
      // A CRD of the same release may not be served yet: discovery is asked again next read.
      finder.forget(ref.apiVersion)
      reads[index] = { kind: 'unknown-kind', reason: error.message }
      continue
    }
    const group = groups.get(resource.collection) ?? {
      namespaced: resource.namespaced,
      members: [],
      paths: []
    }
    group.members.push(index)
    group.paths.push(resource.path)
    groups.set(resource.collection, group)
  }
  await mapLimited([...groups], COLLECTIONS_AT_ONCE, async ([collection, group]) => {
    const { namespaced, members } = group
    const found = await readCollection(client, collection, group.paths)
    for (const index of members) {
      const ref = refs[index] as ObjectRef
      const object = found.get(ref.name)
      // A LIST's items carry no kind or apiVersion: the rules need both.
      reads[index] = object
        ? {
            kind: 'found',
            object: { ...object, apiVersion: ref.apiVersion, kind: ref.kind },
            namespaced
          }
        : { kind: 'missing', namespaced }
    }
  })
  return reads
}

/** The collection's objects by name: a GET of the one path, or a LIST. */
async function readCollection(
  client: KubeClient,
  collection: string,
  paths: readonly string[]
): Promise<Map<string, LiveObject>> {
  const byName = new Map<string, LiveObject>()
  if (paths.length === 1) {
    try {
      const object = await client.get<LiveObject>(paths[0] as string)
      byName.set(stringField(object, 'metadata.name', ''), object)
    } catch (error) {
      if (!(error instanceof KubeApiError && error.statusCode === 404)) throw error
    }
    return byName
  }
  for (const item of await listItems(client, collection)) {
    if (typeof item !== 'object' || item === null) continue
    const object = item as LiveObject
    byName.set(stringField(object, 'metadata.name', ''), object)
  }
  return byName
}
