import { releaseKey } from '../types/plan.ts'
import type { Marker } from './marker.ts'
import { observe, type Observation, type Revision } from './observation.ts'
import { ownershipVerifies } from './ownership.ts'

// Pure: which releases are orphans, whether one is provably this action's, and
// where its objects live (what decide() needs to tell prune from report).

export interface OrphanRelease {
  readonly namespace: string
  readonly release: string
  readonly revision: number
  readonly marker: Marker
  /** What the one decision is given for it. */
  readonly observation: Extract<Observation, { kind: 'deployed' | 'failed' }>
}

/**
 * Releases of one namespace whose newest revision carries this action's marker and
 * that no plan declares (`declared`: `namespace/release` of every plan of the setup,
 * the unreadable ones too). Releases without the marker are never orphans.
 */
export function orphansOf(
  namespace: string,
  revisions: readonly Revision[],
  declared: ReadonlySet<string>
): OrphanRelease[] {
  const byRelease = Map.groupBy(revisions, (r) => r.release)
  const orphans: OrphanRelease[] = []
  for (const [release, history] of byRelease) {
    if (declared.has(releaseKey({ namespace, release }))) continue
    const observation = observe(history)
    // A pending one is another run's business until it settles.
    if (observation.kind !== 'deployed' && observation.kind !== 'failed') continue
    orphans.push({
      namespace,
      release,
      revision: observation.revision,
      marker: observation.marker,
      observation
    })
  }
  return orphans.sort((a, b) => a.release.localeCompare(b.release))
}

/**
 * Whether an orphan is provably this action's: its newest revision's signature under
 * the workflow's ownership key. The marker alone proves nothing: whoever may write
 * Secrets in the namespace can copy it.
 */
export type Ownership =
  | { readonly kind: 'verified' }
  | { readonly kind: 'no-key' }
  | { readonly kind: 'unsigned' }
  | { readonly kind: 'forged' }

export function ownershipOf(
  orphan: Pick<OrphanRelease, 'namespace' | 'release' | 'revision' | 'marker'>,
  key: string | undefined
): Ownership {
  if (key === undefined) return { kind: 'no-key' }
  const { signature, digest } = orphan.marker
  if (signature === undefined || digest === undefined) return { kind: 'unsigned' }
  const { namespace, release, revision } = orphan
  const signed = { namespace, release, revision, digest }
  return ownershipVerifies(key, signed, signature) ? { kind: 'verified' } : { kind: 'forged' }
}

/** An object of a stored release as far as prune cares: where it lives. */
export interface StoredObject {
  readonly kind: string
  readonly name: string
  /** As the manifest says. */
  readonly namespace: string | undefined
  /** From the API server's discovery; undefined when it serves no such kind. */
  readonly namespaced: boolean | undefined
}

/** The objects that live outside the release's namespace (or might: a kind not served), by name. */
export function objectsOutside(namespace: string, objects: readonly StoredObject[]): string[] {
  return objects.flatMap((o) => {
    if (o.namespaced === undefined)
      return [`${o.kind}/${o.name} (a kind the server does not serve)`]
    if (!o.namespaced) return [`${o.kind}/${o.name}`]
    if (o.namespace !== undefined && o.namespace !== namespace)
      return [`${o.kind}/${o.namespace}/${o.name}`]
    return []
  })
}
