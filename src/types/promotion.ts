// Promotion by pull request: what `.gitops/promotions.yaml` asks for, and what a run proposed.

/** Plan keys a promotion carries over; `chart` carries the plan's `repository` with it. */
export const PROMOTION_KEYS = ['chart', 'version', 'set'] as const
export type PromotionKey = (typeof PROMOTION_KEYS)[number]

/** One entry of `.gitops/promotions.yaml`: what proven in `from` is proposed to each of `to`. */
export interface PromotionRule {
  readonly from: string
  readonly to: readonly string[]
  readonly keys: readonly PromotionKey[]
  /** The entry's line in the file. */
  readonly line: number
}

/** One key of a target plan as it is and as the promotion writes it, each as the plan file says it. */
export interface KeyChange {
  readonly key: PromotionKey
  /** undefined: the target plan does not set it. */
  readonly old: string | undefined
  readonly new: string
}

/** A target plan file the promotion edits, and from which plan. */
export interface PromotedPlan {
  /** The target plan file. */
  readonly plan: string
  /** The plan of the `from` setup whose values it gets. */
  readonly from: string
  readonly changes: readonly KeyChange[]
}

/** One target setup's pull request: an element of the `promotions` output. */
export interface Promotion {
  readonly setup: string
  readonly branch: string
  /** null when the branch was pushed but the pull request could not be opened or updated. */
  readonly number: number | null
  readonly url: string | null
  readonly plans: readonly PromotedPlan[]
}

/** What promotion did after a run: the pull requests, and what it has to tell. */
export interface PromotionReport {
  readonly promotions: readonly Promotion[]
  /** Things left out on purpose (a missing target plan, a pull request closed by a person). */
  readonly notes: readonly string[]
  /** What failed (a refused push or API call): the deploy's own result stands. */
  readonly warnings: readonly string[]
}

export const NO_PROMOTIONS: PromotionReport = { promotions: [], notes: [], warnings: [] }
