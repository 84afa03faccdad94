import { createHash } from 'node:crypto'
import type { PlanSpec } from '../types.ts'

// Pure: the marker the action writes on every release it deploys (helm `--labels`,
// which land on helm's release Secret, and the release description for older
// readers and other storage drivers), and the digest of what a plan deploys.

export const LABEL_PREFIX = 'gitops-action/'
export const LABELS = {
  managed: `${LABEL_PREFIX}managed`,
  digest: `${LABEL_PREFIX}digest`,
  commit: `${LABEL_PREFIX}commit`,
  run: `${LABEL_PREFIX}run`,
  hooks: `${LABEL_PREFIX}hooks`
} as const

/** Whether the plan's post-hooks are known to have finished for this revision. */
export type HooksState = 'done' | 'pending' | 'unknown'

/** What the marker of a release says: it is ours, and what deployed it. */
export interface Marker {
  /** Digest of the plan as deployed; absent on releases of older versions of the action. */
  readonly digest?: string
  readonly commit: string
  /** The workflow run that wrote it. */
  readonly run?: string
  readonly hooks: HooksState
}

export interface MarkerInput {
  readonly digest: string
  readonly commit: string
  readonly run: string | undefined
  /** Post-hooks will run after helm: the marker says `pending` until they succeed. */
  readonly postHooks: boolean
}

/** `helm --labels` value (helm >= 3.13): `key=value,...`; every value is a label-safe token. */
export function markerLabels(input: MarkerInput): string {
  const labels: Record<string, string> = {
    [LABELS.managed]: 'true',
    [LABELS.digest]: input.digest,
    [LABELS.commit]: input.commit,
    [LABELS.hooks]: input.postHooks ? 'pending' : 'done',
    ...(input.run && /^\d+$/.test(input.run) ? { [LABELS.run]: input.run } : {})
  }
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}

/** The marker in a release Secret's labels, or undefined when the action did not write it. */
export function markerFromLabels(labels: Readonly<Record<string, string>>): Marker | undefined {
  if (labels[LABELS.managed] !== 'true') return undefined
  const hooks = labels[LABELS.hooks]
  return {
    digest: labels[LABELS.digest],
    commit: labels[LABELS.commit] ?? '',
    run: labels[LABELS.run],
    hooks: hooks === 'done' || hooks === 'pending' ? hooks : 'unknown'
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
  return { commit: match[1] as string, digest: match[2], hooks: 'unknown' }
}

export interface DigestInput {
  readonly spec: PlanSpec
  /** Contents of the values files and hook scripts, in the plan's order. */
  readonly files: readonly (string | Buffer)[]
  readonly helmArgs: readonly string[]
  /** A local chart's files are not hashed: the commit stands in for them. */
  readonly sha: string
}

/** What a plan deploys, in 32 hex digits: chart, version, values and hooks (by content), helm args. */
export function planDigest(input: DigestInput): string {
  const hash = createHash('sha256')
  const { spec } = input
  hash.update(
    JSON.stringify({
      chart: spec.chart,
      version: spec.version ?? null,
      valuesFiles: spec.values,
      hooks: spec.hooks,
      helmArgs: input.helmArgs,
      commit: spec.chart.kind === 'local' ? input.sha : null
    })
  )
  for (const content of input.files) {
    hash.update('\0')
    hash.update(createHash('sha256').update(content).digest('hex'))
  }
  return hash.digest('hex').slice(0, 32)
}
