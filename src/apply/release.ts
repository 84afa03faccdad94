// Pure: what helm says about a release, and what must happen before applying it.

export type ReleaseState =
  | { readonly kind: 'absent' }
  | {
      readonly kind: 'present'
      readonly status: string
      readonly revision: number
      /** `name-1.2.3` as helm lists it. */
      readonly chart: string
      /** What helm stored with the revision: ours names the commit and the plan. */
      readonly description: string
    }

/** Where an interrupted run left the release, and the way back to a state helm can upgrade. */
export type Recovery =
  | { readonly kind: 'none' }
  /** Never deployed (pending-install, or a first install that failed): remove it, then install. */
  | { readonly kind: 'uninstall'; readonly reason: string }
  /** Left pending by an interrupted upgrade or rollback: roll back to the last good revision. */
  | { readonly kind: 'rollback'; readonly reason: string }

/** helm's answer when a release has no history at all. */
export const NOT_FOUND = /release: not found/i

/** The release as its newest revision (`helm history --max 1 -o json`) describes it. */
export function parseHistory(historyJson: string): ReleaseState {
  const entries = JSON.parse(historyJson || '[]') as Array<Record<string, unknown>>
  const latest = entries.reduce<Record<string, unknown> | undefined>(
    (best, e) => (best === undefined || Number(e.revision) > Number(best.revision) ? e : best),
    undefined
  )
  const status = String(latest?.status ?? '')
  // Uninstalled with --keep-history: as good as absent for an install.
  if (!latest || status === 'uninstalled') return { kind: 'absent' }
  return {
    kind: 'present',
    status,
    revision: Number(latest.revision),
    chart: String(latest.chart ?? ''),
    description: String(latest.description ?? '')
  }
}

export function recoveryFor(state: ReleaseState): Recovery {
  if (state.kind === 'absent') return { kind: 'none' }
  const where = `release was left ${state.status} at revision ${state.revision}`
  switch (state.status) {
    case 'pending-install':
    case 'uninstalling':
      return { kind: 'uninstall', reason: where }
    case 'failed':
      return state.revision <= 1
        ? { kind: 'uninstall', reason: `${where} (never deployed)` }
        : { kind: 'none' }
    case 'pending-upgrade':
    case 'pending-rollback':
      return state.revision <= 1
        ? { kind: 'uninstall', reason: where }
        : { kind: 'rollback', reason: where }
    default:
      return { kind: 'none' }
  }
}

/** The newest revision before `current` that was deployed, from `helm history -o json`. */
export function lastGoodRevision(historyJson: string, current: number): number | undefined {
  const entries = JSON.parse(historyJson || '[]') as Array<Record<string, unknown>>
  const good = entries
    .filter(
      (e) => Number(e.revision) < current && ['deployed', 'superseded'].includes(String(e.status))
    )
    .map((e) => Number(e.revision))
  return good.length > 0 ? Math.max(...good) : undefined
}

/** The revision and chart version helm reports after install/upgrade (`--output json`). */
export function parseRelease(stdout: string): {
  revision: number | null
  chartVersion?: string
  applyMethod?: string
} {
  try {
    // Helm may print lines before the JSON (`Pulled: ...`, `Digest: ...` for OCI charts).
    const start = stdout.search(/^\{/m)
    const release = JSON.parse(start > 0 ? stdout.slice(start) : stdout) as {
      version?: number
      chart?: { metadata?: { version?: string } }
      apply_method?: string
    }
    return {
      revision: typeof release.version === 'number' ? release.version : null,
      chartVersion: release.chart?.metadata?.version,
      applyMethod: release.apply_method
    }
  } catch {
    return { revision: null }
  }
}

/** `demo-1.2.3` → `1.2.3` (helm list joins name and version with a dash). */
export function chartVersionOf(listedChart: string): string {
  return /-(v?\d+\.\d+\.\d+\S*)$/.exec(listedChart)?.[1] ?? ''
}
