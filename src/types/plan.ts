import type { HealthCheck } from './health.ts'

// The desired state: plan files as parsed and the steps a run plans for each setup.

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
  /** Read the release's objects until they are current (kstatus's rules) once helm returned. */
  readonly health: HealthCheck
  /** What becomes of the CRDs in the chart's `crds/` folders (Flux's install/upgrade `crds`). */
  readonly crds: CrdPolicy
}

/**
 * `skip`: never applied (helm `--skip-crds`). `create`: helm's own way, an install
 * creates those missing and an upgrade touches none; a CRD that differs is a warning.
 * `create-replace`: applied server-side before the install or upgrade, unless a CRD
 * drops a version the cluster still stores objects at.
 */
export type CrdPolicy = 'skip' | 'create' | 'create-replace'

export const CRD_POLICIES: readonly CrdPolicy[] = ['skip', 'create', 'create-replace']

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
  /** The affected setups (with steps or problems) in wave order; one wave without the `waves` input. */
  readonly waves: readonly (readonly string[])[]
  /** Chart repository aliases in force (input first, then `.gitops/repositories.yaml`). */
  readonly repositories: readonly RepositoryAlias[]
  /** What the run does with the plan, decided once (see runKindOf). */
  readonly runKind: RunKind
}

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
