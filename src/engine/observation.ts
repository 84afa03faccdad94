import { markerFromDescription, markerFromLabels, type Marker } from './marker.ts'

// Pure: what the cluster says about one release, read from helm's release
// Secrets (one per revision, labels only) or from `helm history`.

export type PendingStatus =
  'pending-install' | 'pending-upgrade' | 'pending-rollback' | 'uninstalling'

export type Observation =
  /** No release of that name (or only an uninstalled one kept in history). */
  | { readonly kind: 'absent' }
  /** The newest revision carries no marker of this action: never touched. */
  | { readonly kind: 'foreign'; readonly revision: number; readonly status: string }
  | { readonly kind: 'deployed'; readonly revision: number; readonly marker: Marker }
  | {
      readonly kind: 'failed'
      readonly revision: number
      readonly marker: Marker
      readonly lastGood: number | undefined
    }
  | {
      readonly kind: 'pending'
      readonly revision: number
      readonly status: PendingStatus
      /** When the pending revision was written (ms since epoch). */
      readonly since: number
      readonly marker: Marker
      readonly lastGood: number | undefined
    }

/** One stored revision of a release. */
export interface Revision {
  readonly release: string
  readonly revision: number
  readonly status: string
  /** ms since epoch. */
  readonly created: number
  /** Undefined when the revision carries no marker (yet: see `needsDescription`). */
  readonly marker: Marker | undefined
}

const PENDING = new Set(['pending-install', 'pending-upgrade', 'pending-rollback', 'uninstalling'])

/** The observation of a release from all its revisions (any order). */
export function observe(revisions: readonly Revision[]): Observation {
  const latest = revisions.reduce<Revision | undefined>(
    (best, r) => (best === undefined || r.revision > best.revision ? r : best),
    undefined
  )
  if (!latest || latest.status === 'uninstalled') return { kind: 'absent' }
  const { revision, status, marker } = latest
  if (!marker) return { kind: 'foreign', revision, status }
  const good = revisions
    .filter((r) => r.revision < revision && (r.status === 'deployed' || r.status === 'superseded'))
    .map((r) => r.revision)
  const lastGood = good.length > 0 ? Math.max(...good) : undefined
  if (PENDING.has(status))
    return {
      kind: 'pending',
      revision,
      status: status as PendingStatus,
      since: latest.created,
      marker,
      lastGood
    }
  if (status === 'deployed') return { kind: 'deployed', revision, marker }
  return { kind: 'failed', revision, marker, lastGood }
}

/** A release Secret's metadata as the API server lists it (PartialObjectMetadata). */
export interface SecretMetadata {
  readonly name?: string
  readonly creationTimestamp?: string
  readonly labels?: Readonly<Record<string, string>>
}

/** Revisions of every release in a namespace from its `owner=helm` Secrets. */
export function revisionsFromSecrets(items: readonly SecretMetadata[]): Revision[] {
  const revisions: Revision[] = []
  for (const meta of items) {
    const labels = meta.labels ?? {}
    const release = labels.name
    const revision = Number(labels.version)
    if (!release || !Number.isInteger(revision) || !labels.status) continue
    revisions.push({
      release,
      revision,
      status: labels.status,
      created: Date.parse(meta.creationTimestamp ?? '') || 0,
      marker: markerFromLabels(labels)
    })
  }
  return revisions
}

/** Revisions from `helm history -o json` (the fallback for other storage drivers, and older markers). */
export function revisionsFromHistory(release: string, historyJson: string): Revision[] {
  const entries = JSON.parse(historyJson || '[]') as Array<Record<string, unknown>>
  return entries.map((e) => ({
    release,
    revision: Number(e.revision),
    status: String(e.status ?? ''),
    created: Date.parse(String(e.updated ?? '')) || 0,
    marker: markerFromDescription(String(e.description ?? ''))
  }))
}
