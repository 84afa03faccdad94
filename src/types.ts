// The plain values that flow between the stages of the data path:
// event → changes → plan → apply → report. Each stage takes and returns these,
// so every stage can be tested alone.

export const ZERO_SHA = '0000000000000000000000000000000000000000'

/** Where a plan file puts a release: `<setup>/<namespace>/<release>[.yaml|.yml]`. */
export interface PlanTarget {
  /** Repository-relative path of the plan file, '/'-separated. */
  readonly plan: string
  readonly setup: string
  readonly namespace: string
  readonly release: string
}

export type ApplyHookName = 'pre-install' | 'post-install' | 'pre-upgrade' | 'post-upgrade'
export type UninstallHookName = 'pre-uninstall' | 'post-uninstall'
export type HookName = ApplyHookName | UninstallHookName
export const APPLY_HOOK_NAMES: readonly ApplyHookName[] = [
  'pre-install',
  'post-install',
  'pre-upgrade',
  'post-upgrade'
]
export const UNINSTALL_HOOK_NAMES: readonly UninstallHookName[] = [
  'pre-uninstall',
  'post-uninstall'
]
export const HOOK_NAMES: readonly HookName[] = [...APPLY_HOOK_NAMES, ...UNINSTALL_HOOK_NAMES]

/** The `chart` of a plan, by form. */
export type ChartSource =
  /** `stable/nuclio`: an alias from `helm-repositories` or `.gitops/repositories.yaml`. */
  | { readonly kind: 'alias'; readonly alias: string; readonly name: string }
  /** `chart: nuclio` with `repository: https://...`. */
  | { readonly kind: 'repository'; readonly url: string; readonly name: string }
  /** `oci://host/path/name`. */
  | { readonly kind: 'oci'; readonly ref: string }
  /** `https://host/path/name-1.0.0.tgz`. */
  | { readonly kind: 'url'; readonly url: string }
  /** `./path`: a chart folder in the ops repository, repository-relative, already resolved. */
  | { readonly kind: 'local'; readonly path: string }

/** A parsed, validated plan file. Paths are repository-relative and checked to stay inside it. */
export interface PlanSpec {
  readonly chart: ChartSource
  /** The chart as written in the plan file, for reports. */
  readonly chartText: string
  /** The line of `chart:` in the plan file: a chart that cannot be built is an error there. */
  readonly chartLine?: number
  readonly version?: string
  readonly values: readonly string[]
  readonly hooks: Readonly<Record<HookName, readonly string[]>>
  /** `namespace/release` of plans of the same setup that must succeed (or be unchanged) first. */
  readonly needs: readonly string[]
  /** Fields others own: never drift. */
  readonly driftIgnore: readonly DriftIgnore[]
  /** The plan's release options over `.gitops/defaults.yaml`. */
  readonly options: ReleaseOptions
}

/** Per-plan release options (README: A plan file); an unset `wait`/`timeout`/`atomic` is left to helm-args and helm. */
export interface ReleaseOptions {
  readonly wait?: boolean
  /** A Go duration, checked: `5m`, `90s`. */
  readonly timeout?: string
  /** Roll back (or uninstall a first install) when helm fails: `--atomic` / `--rollback-on-failure`. */
  readonly atomic?: boolean
  /** Values from `set:`, nested; given to helm as a generated values file after the plan's own. */
  readonly set: Readonly<Record<string, unknown>>
  /** `helm test --logs` after an install or upgrade, when enabled. */
  readonly test: { readonly timeout?: string; readonly rollbackOnFailure: boolean } | undefined
  /** Leave the release alone: no upgrade, and no uninstall when the file is removed. */
  readonly suspend: boolean
  /** When the file is removed, leave the release in the cluster (reported orphaned). */
  readonly keep: boolean
}

/**
 * A removed plan's uninstall hooks: repository paths of the base commit (their files
 * may be gone at head), run among that commit's files.
 */
export type UninstallHooks = { readonly commit: string } & Readonly<
  Record<UninstallHookName, readonly string[]>
>

/** What the base commit's plan file said about its own removal. */
export interface Removal {
  readonly suspend: boolean
  readonly keep: boolean
  /** Absent when the plan had no uninstall hook. */
  readonly hooks?: UninstallHooks
}

/** `driftIgnore` of a plan: JSON pointers, for every object or only those of a kind and/or name. */
export interface DriftIgnore {
  readonly paths: readonly string[]
  readonly kind?: string
  readonly name?: string
}

/** A release within its setup, as `needs`, the engine and the logs name it: `namespace/release`. */
export function releaseKey(target: Pick<PlanTarget, 'namespace' | 'release'>): string {
  return `${target.namespace}/${target.release}`
}

/** A release among every setup's (maps over more than one setup): its setup, then its releaseKey. */
export function setupReleaseKey(
  target: Pick<PlanTarget, 'setup' | 'namespace' | 'release'>
): string {
  return `${target.setup}\0${releaseKey(target)}`
}

export interface Plan extends PlanTarget {
  readonly spec: PlanSpec
}

/** An error about a file of the ops repository; becomes an annotation on that file. */
export interface FileProblem {
  readonly file: string
  readonly line?: number
  readonly message: string
  /** URLs holding committed credentials: registered as secrets before the problem is reported. */
  readonly leakedUrls?: readonly string[]
}

export type ChangeStatus = 'added' | 'modified' | 'removed'
/** A rename arrives as a removal plus an addition. */
export interface ChangedPath {
  readonly path: string
  readonly status: ChangeStatus
}
export type ChangeSource = 'git' | 'compare-api' | 'payload'

/** What changed between two commits, and how we learned it. */
export interface Changes {
  readonly base: string
  readonly head: string
  readonly source: ChangeSource
  readonly paths: readonly ChangedPath[]
}

/** Which plans an event touches, before the repository is read. */
export type Scope =
  /** Plans changed between base and head (and plans whose values files changed). */
  | {
      readonly kind: 'diff'
      readonly base: string
      readonly head: string
      /** Why this base: "last successful run 1234", "event before", "pull request base". */
      readonly baseReason: string
    }
  /** Every plan at head: a new branch, or workflow_dispatch. */
  | { readonly kind: 'all'; readonly head: string; readonly reason: string }
  /** Nothing to do (branch deletion, tag push); the reason becomes a notice. */
  | { readonly kind: 'none'; readonly reason: string }

export type PlannedStep =
  | {
      readonly action: 'apply'
      readonly target: PlanTarget
      readonly spec: PlanSpec
      /** Why it is affected, e.g. "aws/foo/default/demo.yaml modified". */
      readonly reasons: readonly string[]
    }
  | {
      readonly action: 'uninstall'
      readonly target: PlanTarget
      readonly reasons: readonly string[]
      /** The removed plan's `needs` at the base commit: it is uninstalled before what it needed. */
      readonly needs: readonly string[]
      readonly removal: Removal
    }

/** One setup's work: uninstalls first, then applies, each in path order. */
export interface SetupPlan {
  readonly setup: string
  readonly steps: readonly PlannedStep[]
}

/** An affected plan file that could not be read; it fails, the others go on. */
export interface PlanProblem {
  readonly target: PlanTarget
  readonly problem: FileProblem
}

export interface DeploymentPlan {
  /** The commit being deployed. */
  readonly sha: string
  readonly setups: readonly SetupPlan[]
  readonly problems: readonly PlanProblem[]
  /** Chart repository aliases in force (input first, then `.gitops/repositories.yaml`). */
  readonly repositories: readonly RepositoryAlias[]
  /** What the run does with the plan, decided once (see runKindOf). */
  readonly runKind: RunKind
}

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
  /** Line of the plan file the error points at, for the annotation. */
  readonly line?: number
  /** A preview's object diff against the diff base; absent when there was none to compare with. */
  readonly diff?: RenderDiff
  /** What a drift check found; only in drift checks. */
  readonly drift?: DriftReport
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

/** How a plan stood at the diff base. */
export type BasePlan =
  | { readonly kind: 'plan'; readonly plan: string; readonly spec: PlanSpec }
  /** The base held the plan but it could not be read: no diff, the reason is noted. */
  | { readonly kind: 'problem'; readonly plan: string; readonly message: string }

/** The commit a preview compares head with, its files on disk and its plans by release. */
export type DiffBase =
  | {
      readonly kind: 'commit'
      readonly sha: string
      /** Why this commit: "merge base of pull request #3", "last deployed commit (run 12)". */
      readonly reason: string
      /** A private folder holding the commit's files. */
      readonly root: string
      readonly repositories: readonly RepositoryAlias[]
      /** By `setup\0namespace\0release`; a release missing here had no plan at base. */
      readonly plans: ReadonlyMap<string, BasePlan>
    }
  /** No base to compare with (none found, or its tree could not be read): head renders alone. */
  | { readonly kind: 'none'; readonly reason: string }

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
  /** `drift: correct` re-applied the release, or `prune` uninstalled the orphan (see the result's status). */
  readonly corrected: boolean
}

/** `mode: drift` or a schedule event: compare the live objects with the releases. */
export type DriftAction = 'report' | 'correct'

/**
 * What a run does, decided once from the event and the inputs, and what that kind of
 * run needs: a deploy of a push's changes; a resync, every plan at head re-applied
 * even where it already deploys this commit (which repairs drift); a preview, rendered
 * and diffed, nothing applied; a drift check that reports, or corrects too.
 */
export type RunKind =
  | { readonly kind: 'deploy' | 'resync' }
  | {
      readonly kind: 'preview'
      /** The pull request whose sticky comment gets the diff; undefined for a dry run. */
      readonly pullRequest: number | undefined
    }
  | {
      readonly kind: 'drift-report' | 'drift-correct'
      readonly failOnDrift: boolean
      /** `prune` without `ownership-key`: orphans are only reported, and a warning says why. */
      readonly pruneWithoutKey: boolean
      /** Keep one GitHub issue a setup up to date with its drift. */
      readonly issues: boolean
    }
export type RunKindName = RunKind['kind']

/** A drift check of either kind. */
export function isDriftCheck(
  runKind: RunKind
): runKind is Extract<RunKind, { kind: 'drift-report' | 'drift-correct' }> {
  return runKind.kind === 'drift-report' || runKind.kind === 'drift-correct'
}

export interface RepositoryAlias {
  readonly name: string
  /** May hold user info; masked when read. */
  readonly url: string
}

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
  /** The checkout of the ops repository. */
  readonly workspace: string
}
