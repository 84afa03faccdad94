import { createHash } from 'node:crypto'
import { APPLY_HOOK_NAMES } from '../types/plan.ts'
import type { PlanSpec, ReleaseOptions } from '../types/plan.ts'

// Pure: the marker the action writes on every release it deploys (helm `--labels`,
// which land on helm's release Secret, and the release description for older
// readers and other storage drivers), and the digest of what a plan deploys.

export const LABEL_PREFIX = 'gitops-action/'
export const LABELS = {
  managed: `${LABEL_PREFIX}managed`,
  digest: `${LABEL_PREFIX}digest`,
  commit: `${LABEL_PREFIX}commit`,
  run: `${LABEL_PREFIX}run`,
  /** Set to the revision once helm and the post-hooks succeeded: see `finished`. */
  finished: `${LABEL_PREFIX}finished`,
  /** Set to `<operation>.<revision>` when helm succeeded but a post-hook failed: see `postHooksFailed`. */
  hooksFailed: `${LABEL_PREFIX}hooks-failed`,
  /** Written beside `finished` when the workflow holds an ownership key: see `signature`. */
  signature: `${LABEL_PREFIX}signature`,
  /** Set to `<digest>.<revision>` on the revision a failed health check rolled back to: see `quarantined`. */
  quarantined: `${LABEL_PREFIX}quarantined`
} as const

/** What the marker of a release says: it is ours, and what deployed it. */
export interface Marker {
  /** Digest of the plan as deployed; absent on releases of older versions of the action. */
  readonly digest?: string
  readonly commit: string
  /** The workflow run that wrote it. */
  readonly run?: string
  /**
   * The action finished this very revision (helm and post-hooks succeeded). helm copies
   * labels into the next revision, so a revision made by hand (or a post-hook that
   * failed) shows as not finished. Undefined where only the description was read.
   */
  readonly finished: boolean | undefined
  /**
   * helm succeeded on this very revision but its post-hooks (of this operation) failed:
   * the next run runs them again instead of upgrading.
   */
  readonly postHooksFailed?: 'install' | 'upgrade'
  /** The ownership signature label as found (verified only against the workflow's key). */
  readonly signature?: string
  /**
   * This very revision is the rollback after the plan of this digest failed its health
   * check: re-syncs and drift corrections do not apply that digest again.
   */
  readonly quarantined?: string
}

/** The `quarantined` label value for the revision a failed health check of `digest` rolled back to. */
export function quarantineLabel(digest: string, revision: number): string {
  return `${digest}.${revision}`
}

/** The `hooks-failed` label value for a revision whose post-hooks failed. */
export function hooksFailedLabel(operation: 'install' | 'upgrade', revision: number): string {
  return `${operation}.${revision}`
}

export interface MarkerInput {
  readonly digest: string
  readonly commit: string
  readonly run: string | undefined
}

/** `helm --labels` value (helm >= 3.13): `key=value,...`; every value is a label-safe token. */
export function markerLabels(input: MarkerInput): string {
  const labels: Record<string, string> = {
    [LABELS.managed]: 'true',
    [LABELS.digest]: input.digest,
    [LABELS.commit]: input.commit,
    ...(input.run && /^\d+$/.test(input.run) ? { [LABELS.run]: input.run } : {})
  }
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}

/** The marker in a release Secret's labels, or undefined when the action did not write it. */
export function markerFromLabels(labels: Readonly<Record<string, string>>): Marker | undefined {
  if (labels[LABELS.managed] !== 'true') return undefined
  const failed = /^(install|upgrade)\.(\d+)$/.exec(labels[LABELS.hooksFailed] ?? '')
  const quarantined = /^([0-9a-f]+)\.(\d+)$/.exec(labels[LABELS.quarantined] ?? '')
  return {
    digest: labels[LABELS.digest],
    commit: labels[LABELS.commit] ?? '',
    run: labels[LABELS.run],
    finished: labels[LABELS.finished] !== undefined && labels[LABELS.finished] === labels.version,
    // helm copies labels into the next revision: only a mark naming this revision counts.
    ...(failed && failed[2] === labels.version
      ? { postHooksFailed: failed[1] as 'install' | 'upgrade' }
      : {}),
    ...(quarantined && quarantined[2] === labels.version ? { quarantined: quarantined[1] } : {}),
    ...(labels[LABELS.signature] !== undefined ? { signature: labels[LABELS.signature] } : {})
  }
}

/** The release description: readable in `helm history`, and the marker where labels are not. */
export function releaseDescription(sha: string, plan: string, digest: string): string {
  return `gitops-action ${sha} ${plan} digest=${digest}`
}

/**
 * The marker in a description: ours (any version of the action) start with
 * `gitops-action <sha> `; the digest is there since labels were introduced.
 */
export function markerFromDescription(description: string): Marker | undefined {
  const match = /^gitops-action ([0-9a-f]{40}) \S+(?: digest=([0-9a-f]+))?$/.exec(description)
  if (!match) return undefined
  return { commit: match[1] as string, digest: match[2], finished: undefined }
}

export interface DigestInput {
  readonly spec: PlanSpec
  /** Contents of the values files and hook scripts, in the plan's order. */
  readonly files: readonly (string | Buffer)[]
  readonly helmArgs: readonly string[]
  /** A local chart's files are not hashed: the commit stands in for them. */
  readonly sha: string
}

/**
 * What a plan deploys, in 32 hex digits: chart, version, values and install/upgrade
 * hooks (by content), helm args, and the release options that change what helm does.
 * Options left unset add nothing, so a plan without them keeps the digest it had.
 */
export function planDigest(input: DigestInput): string {
  const hash = createHash('sha256')
  const { spec } = input
  hash.update(
    JSON.stringify({
      chart: spec.chart,
      version: spec.version ?? null,
      valuesFiles: spec.values,
      hooks: Object.fromEntries(APPLY_HOOK_NAMES.map((name) => [name, spec.hooks[name]])),
      helmArgs: input.helmArgs,
      commit: spec.chart.kind === 'local' ? input.sha : null,
      ...deployedOptions(spec.options)
    })
  )
  for (const content of input.files) {
    hash.update('\0')
    hash.update(createHash('sha256').update(content).digest('hex'))
  }
  return hash.digest('hex').slice(0, 32)
}

/**
 * The options that change what helm does; `suspend` and `keep` only decide whether it
 * runs. `crds` counts once it is not helm's own `create`: a plan switched to
 * `create-replace` is deployed again, which applies its chart's CRDs.
 */
function deployedOptions(options: ReleaseOptions): Record<string, unknown> {
  const { wait, timeout, atomic, set, test, crds } = options
  return {
    ...(wait !== undefined ? { wait } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
    ...(atomic !== undefined ? { atomic } : {}),
    ...(Object.keys(set).length > 0 ? { set } : {}),
    ...(test ? { test } : {}),
    ...(crds !== 'create' ? { crds } : {})
  }
}
