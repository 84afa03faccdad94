// Every input, read and checked once by config.ts.
import type { RepositoryAlias } from './plan.ts'

/** `mode: drift` or a schedule event: compare the live objects with the releases. */
export type DriftAction = 'report' | 'correct'

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
  /** One GitHub Deployment per affected setup on a deploy run. */
  readonly deployments: boolean
  /** Environment name of a setup's Deployment; `{setup}` is replaced by the setup. */
  readonly deploymentEnvironment: string
  /** `drift` runs a drift check on workflow_dispatch (schedule events always do). */
  readonly mode: 'deploy' | 'drift'
  readonly drift: DriftAction
  readonly failOnDrift: boolean
  /** Uninstall orphans (releases with the marker and no plan). */
  readonly prune: boolean
  /** Signs the releases the action deploys; prune uninstalls only releases it signed. */
  readonly ownershipKey: string | undefined
  /** Keep one GitHub issue a setup up to date with its drift. */
  readonly driftIssues: boolean
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
