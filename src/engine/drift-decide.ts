import { releaseKey, type DriftAction, type ObjectDrift, type PlannedStep } from '../types.ts'
import { leftAlone } from './decide.ts'
import type { Marker } from './marker.ts'
import { observe, type Observation, type Revision } from './observation.ts'
import { ownershipVerifies } from './ownership.ts'

// Pure: what a drift check does with a release, given what the cluster holds and
// what the check found; and which releases are orphans.

export type CheckDecision =
  /**
   * `suspend: true`: not checked and never corrected, as a deploy leaves it (and as Flux
   * leaves a suspended HelmRelease): reported suspended.
   */
  | { readonly kind: 'suspended'; readonly note: string }
  /** Compare the live objects with the deployed manifest. */
  | { readonly kind: 'compare'; readonly notes: readonly string[] }
  /** No release: reported missing; `correct` installs it. */
  | { readonly kind: 'release-missing' }
  /** Not checked: a release of another tool, or one another run is deploying. */
  | { readonly kind: 'leave'; readonly reason: string }

export function checkDecision(step: PlannedStep, observation: Observation): CheckDecision {
  const left = leftAlone(step)
  if (left) return { kind: 'suspended', note: left.note }
  const name = releaseKey(step.target)
  switch (observation.kind) {
    case 'absent':
      return { kind: 'release-missing' }
    case 'foreign':
      return {
        kind: 'leave',
        reason: `release ${name} (revision ${observation.revision}) was not deployed by gitops-action: not checked, never corrected`
      }
    case 'pending':
      return {
        kind: 'leave',
        reason: `release ${name} is ${observation.status} (revision ${observation.revision}): another run is deploying it, not checked`
      }
    case 'failed':
      return {
        kind: 'compare',
        notes: [
          `its newest revision ${observation.revision} failed: compared with that revision's manifest`
        ]
      }
    case 'deployed':
      return { kind: 'compare', notes: [] }
  }
}

/** Whether the release is re-applied: only drift, and only when asked. */
export function corrects(action: DriftAction, objects: readonly ObjectDrift[]): boolean {
  // An object of a kind the server does not serve cannot be put back by helm either.
  return action === 'correct' && objects.some((o) => o.state !== 'unknown-kind')
}

export interface OrphanRelease {
  readonly namespace: string
  readonly release: string
  readonly revision: number
  readonly marker: Marker
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
      marker: observation.marker
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

export function ownershipOf(orphan: OrphanRelease, key: string | undefined): Ownership {
  if (key === undefined) return { kind: 'no-key' }
  const { signature, digest } = orphan.marker
  if (signature === undefined || digest === undefined) return { kind: 'unsigned' }
  const signed = { ...orphan, digest }
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

/** What prune knows of an orphan; where its objects live is read only for one provably ours. */
export type PruneInput =
  | { readonly prune: false }
  | { readonly prune: true; readonly ownership: Exclude<Ownership, { kind: 'verified' }> }
  | {
      readonly prune: true
      readonly ownership: Extract<Ownership, { kind: 'verified' }>
      /** `objectsOutside` of the stored release's manifest and hooks. */
      readonly outside: readonly string[]
    }

export type PruneDecision =
  { readonly kind: 'prune' } | { readonly kind: 'report'; readonly reason: string }

/**
 * An orphan is uninstalled only when asked, provably ours, and when `helm uninstall`
 * cannot reach past its namespace: no plan renders its objects any more, so nothing
 * says a cluster-scoped one (or one in another namespace) is still its to delete.
 */
export function pruneDecision(orphan: OrphanRelease, input: PruneInput): PruneDecision {
  if (!input.prune) return { kind: 'report', reason: 'prune: true uninstalls it' }
  const { revision, namespace } = orphan
  if (!('outside' in input)) return { kind: 'report', reason: unproven(input.ownership, revision) }
  if (input.outside.length > 0)
    return {
      kind: 'report',
      reason: `not uninstalled: its release holds objects outside namespace ${namespace} (${input.outside.join(', ')}), which prune never deletes; ${BY_HAND}`
    }
  return { kind: 'prune' }
}

const BY_HAND = 'uninstall it by hand if it is no longer needed'

function unproven(ownership: Exclude<Ownership, { kind: 'verified' }>, revision: number): string {
  switch (ownership.kind) {
    case 'no-key':
      return 'not uninstalled: prune needs the ownership-key input to tell the releases this action deployed'
    case 'unsigned':
      return `not uninstalled: revision ${revision} carries no ownership signature (deployed before ownership-key was set, or its deploy did not finish); ${BY_HAND}`
    case 'forged':
      return `not uninstalled: the ownership signature on revision ${revision} does not verify (copied from another release, forged, or made with another key); ${BY_HAND}`
  }
}
