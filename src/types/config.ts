// Every input, read and checked once by config.ts.
import type { RepositoryAlias } from './plan.ts'
import type { WaveShards } from './fleet.ts'

/** `mode: drift` or a schedule event: compare the live objects with the releases. */
export type DriftAction = 'report' | 'correct'

/** `true` is `per-setup`, `false` is `none` (the input's older values). */
export type DeploymentsGranularity = 'none' | 'per-setup' | 'per-wave' | 'per-run'

/** Every input, read and checked once by config.ts. */
export interface Config {
  readonly githubToken: string
  readonly kubeconfigStoreUrl: string | undefined
  /** PEM text trusted beside the system CAs. */
  readonly kubeconfigStoreCa: string | undefined
  readonly kubeconfigFilename: string
  /** Per store request. */
  readonly storeTimeoutMs: number
  readonly storeAttempts: number
  readonly setupNameSize: number
  readonly shell: string
  /** `system` or a release tag such as `v4.3.1`. */
  readonly helmVersion: string
  readonly helmDownloadUrl: string
  /** `system` or a sops release tag such as `v3.13.3`. */
  readonly sopsVersion: string
  readonly sopsDownloadUrl: string
  /** age identities for sops; masked. */
  readonly sopsAgeKey: string | undefined
  readonly helmRepositories: readonly RepositoryAlias[]
  readonly helmArgs: readonly string[]
  readonly plans: readonly string[]
  /** Globs over branch names a workflow_dispatch may deploy from, beside the default branch. */
  readonly dispatchBranches: readonly string[]
  readonly ignore: readonly string[]
  readonly parallel: number
  /** Plans of one setup at a time. */
  readonly parallelPlans: number
  /** A pending release older than this is taken as abandoned and recovered. */
  readonly pendingGraceMs: number
  readonly failFast: boolean
  readonly hookTimeoutMs: number
  readonly dryRun: boolean
  /** GitHub Deployments of a deploy run: none, one a setup, one a wave, or one for the run. */
  readonly deployments: DeploymentsGranularity
  /** Environment name of a Deployment; `{setup}` (and `{wave}`) are replaced. */
  readonly deploymentEnvironment: string
  /**
   * `drift` runs a drift check on workflow_dispatch (schedule events always do); `plan`
   * only says which setups a fleet deploys, in waves and shards; `report` merges the
   * results files of a fleet's jobs.
   */
  readonly mode: 'deploy' | 'drift' | 'plan' | 'report'
  /** Setup names or globs this run is restricted to (a fleet's shard); empty: every setup. */
  readonly setups: readonly string[]
  /** A diff base the plan job pinned: base..head without asking the API; undefined: found as usual. */
  readonly base: string | undefined
  /** The shard this run deploys, recorded in its results file. */
  readonly shard: string | undefined
  /** `mode: plan`: at most this many setups a shard. */
  readonly shardSize: number
  /** `mode: report`: folder or glob of the results files. */
  readonly resultsPath: string
  /** `mode: report`: the step fails when more setups of one wave failed. */
  readonly maxFailures: number
  /** `mode: report`: the plan job's shards, to tell a shard that never reported. */
  readonly shards: readonly WaveShards[] | undefined
  /** Write the comment, Deployments and drift issues of this run (false in a fleet's shards and gates). */
  readonly publish: boolean
  readonly drift: DriftAction
  readonly failOnDrift: boolean
  /** Uninstall orphans (releases with the marker and no plan). */
  readonly prune: boolean
  /** Signs the releases the action deploys; prune uninstalls only releases it signed. */
  readonly ownershipKey: string | undefined
  /** Keep one GitHub issue a setup up to date with its drift. */
  readonly driftIssues: boolean
  /** A re-sync or drift correction applies a plan digest a failed health check rolled back. */
  readonly retryQuarantined: boolean
  /** Setups in rollout order: one line of the `waves` input a wave; empty: one wave. */
  readonly waves: readonly WaveLine[]
  /** How long a wave must stay healthy before the next one starts. */
  readonly waveSoakMs: number
  /** The checkout of the ops repository. */
  readonly workspace: string
}

/** One line of the `waves` input: the setup globs of one wave. */
export interface WaveLine {
  /** The line of the input, 1-based, for errors. */
  readonly line: number
  readonly globs: readonly string[]
}
