import type { DriftAction, ObjectDrift } from '../types.ts'
import type { Marker } from './marker.ts'
import { observe, type Observation, type Revision } from './observation.ts'

// Pure: what a drift check does with a release, given what the cluster holds and
// what the check found; and which releases are orphans.

export type CheckDecision =
  /** Compare the live objects with the deployed manifest. */
  | { readonly kind: 'compare'; readonly notes: readonly string[] }
  /** No release: reported missing; `correct` installs it. */
  | { readonly kind: 'release-missing' }
  /** Not checked: a release of another tool, or one another run is deploying. */
  | { readonly kind: 'leave'; readonly reason: string }

export function checkDecision(observation: Observation, name: string): CheckDecision {
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
    if (declared.has(`${namespace}/${release}`)) continue
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
