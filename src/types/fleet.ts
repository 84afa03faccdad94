// A fleet run: the plan job's waves and shards, the results file every run writes,
// and what a report job merges from those files.
import type { PreviewBase } from './diff-base.ts'
import type { RunKindName } from './plan.ts'
import type { Result } from './results.ts'

/** The results file's format and version; a reader refuses any other. */
export const RESULTS_FORMAT = 'gitops-action/results@1'

/** One job of a wave's matrix: its id and the setups it deploys, comma-separated. */
export interface Shard {
  readonly shard: string
  readonly setups: string
}

/** A wave's matrix, as `strategy.matrix` takes it. */
export interface WaveShards {
  readonly wave: number
  readonly matrix: { readonly include: readonly Shard[] }
}

/** The `shard` and `setups` inputs a run was given: what it may report on. */
export interface ShardRecord {
  /** The `shard` input; null when none was given. */
  readonly id: string | null
  /** The `setups` input: setup names or globs; every result's setup matches one. */
  readonly setups: readonly string[]
}

/** A GitHub Deployment the run recorded, with the last state it set. */
export interface DeploymentRecord {
  readonly environment: string
  /** The setups it stands for (one, a wave's, or the run's). */
  readonly setups: readonly string[]
  readonly id: number | null
  readonly state: string | null
}

/** The results file of one run (schema/results-v1.json). */
export interface ResultsFile {
  readonly format: typeof RESULTS_FORMAT
  readonly run: {
    /** The commit deployed. */
    readonly sha: string
    readonly kind: RunKindName
    readonly id: number | null
    readonly url: string | null
    readonly cancelled: boolean
    /** Why the run failed as a whole before any plan ran; null when it did not. */
    readonly error: string | null
  }
  /** What the run was restricted to; null when it was not (every affected setup). */
  readonly shard: ShardRecord | null
  /** The affected setups. */
  readonly setups: readonly string[]
  readonly results: readonly Result[]
  readonly deployments: readonly DeploymentRecord[]
  /** GitHub writes the run could not make (after backing off), one line each. */
  readonly unwritten: readonly string[]
  /** A preview's diff base; null outside previews. */
  readonly preview: { readonly base: PreviewBase | null; readonly fullDiffAt: string } | null
}
