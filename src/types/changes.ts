// What changed between two commits, and which plans an event touches.

export const ZERO_SHA = '0000000000000000000000000000000000000000'

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
      /** Given by the `base` input (a fleet's plan job): git alone compares it, no API fallback. */
      readonly pinned?: boolean
    }
  /** Every plan at head: a new branch, or workflow_dispatch. */
  | { readonly kind: 'all'; readonly head: string; readonly reason: string }
  /** Nothing to do (branch deletion, tag push); the reason becomes a notice. */
  | { readonly kind: 'none'; readonly reason: string }
