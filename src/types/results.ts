import type { Health } from './health.ts'

// What became of each affected plan: the `results` output and what previews and drift checks found.

/** What a plan did or would do; `render` in previews. */
export type Operation = 'install' | 'upgrade' | 'uninstall' | 'render'

/** `unchanged`: the cluster already held what the plan says, nothing was run. */
export type Status = 'succeeded' | 'unchanged' | 'failed' | 'skipped' | 'planned'

/** The outcome of one affected plan: one object of the `results` output. */
export interface Result {
  readonly setup: string
  readonly namespace: string
  readonly release: string
  readonly plan: string
  readonly chart: string
  readonly version: string
  /** null when the plan never reached the cluster (its file or setup failed, or it was not run). */
  readonly operation: Operation | null
  readonly status: Status
  readonly revision: number | null
  readonly durationMs: number
  readonly error: string | null
  /** Things worth telling that are not errors: a recovered pending release, "already absent". */
  readonly notes: readonly string[]
  /** Whether the release's objects became current once helm returned; null when it was not checked. */
  readonly health: Health | null
  /**
   * What the user should act on though the plan did not fail because of it (a CRD the
   * chart changed, left as it was under `crds: create`); a warning annotation on the
   * plan file each. Absent when there is none.
   */
  readonly warnings?: readonly string[]
  /** Line of the plan file the error points at, for the annotation. */
  readonly line?: number
  /** A preview's object diff against the diff base; absent when there was none to compare with. */
  readonly diff?: RenderDiff
  /** What a drift check found; only in drift checks. */
  readonly drift?: DriftReport
  /** The wave of the plan's setup, 1-based (the `waves` output's order); set by the report. */
  readonly wave?: number
}

export type ObjectChange = 'added' | 'changed' | 'removed'

/** One object head renders differently from base. */
export interface ObjectDiff {
  /** `apps/v1 Deployment web/demo` */
  readonly key: string
  readonly change: ObjectChange
  /** Unified diff hunks of the object's YAML (an added object: every line `+`), bounded. */
  readonly diff: string
  /** Diff lines left out past the per-object or per-run bound (0: the whole diff). */
  readonly cut: number
  /** What a deploy does with it beside helm: a CRD of a chart's `crds/`, under the plan's CRD policy. */
  readonly note?: string
}

/** What a plan renders differently at head than at the diff base, object by object. */
export interface RenderDiff {
  readonly added: number
  readonly changed: number
  readonly removed: number
  readonly unchanged: number
  /** The objects that differ, in key order. */
  readonly objects: readonly ObjectDiff[]
}

/** How one live object differs from the release's manifest. */
export interface ObjectDrift {
  /** `Kind/namespace/name` (cluster-scoped: `Kind/name`). */
  readonly object: string
  /** `missing`: deleted by hand; `drifted`: fields differ; `unknown-kind`: the server has no such kind. */
  readonly state: 'missing' | 'drifted' | 'unknown-kind'
  readonly fields: readonly FieldDrift[]
  /** Why it could not be compared (`unknown-kind`). */
  readonly reason?: string
}

export interface FieldDrift {
  /** JSON pointer into the object. */
  readonly path: string
  /** As the manifest says / as the cluster holds (cut to 80 characters); a value holding a secret, Secret data among them, as its keyed digest `<secret hmac:…>`; undefined when absent. */
  readonly want: string | undefined
  readonly have: string | undefined
}

/**
 * A release as a drift check saw it; `drifted` also when objects are missing; `orphan`:
 * it carries this action's marker and no plan at the checked commit declares it;
 * `suspended`: its plan says `suspend: true`, so it is neither checked nor corrected.
 */
export type DriftState = 'in-sync' | 'drifted' | 'release-missing' | 'orphan' | 'suspended'

export interface DriftReport {
  readonly state: DriftState
  readonly objects: readonly ObjectDrift[]
  /**
   * `drift: correct` re-applied the release and, read back, none of its objects still
   * differs (when one does, `objects` holds what still differs); or `prune` uninstalled the orphan.
   */
  readonly corrected: boolean
}
