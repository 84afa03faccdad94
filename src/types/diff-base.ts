// The commit a preview compares head with.
import type { PlanSpec, RepositoryAlias } from './plan.ts'

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

/** A diff base as a preview's heading names it: what a results file keeps of it. */
export type PreviewBase =
  | { readonly kind: 'commit'; readonly sha: string; readonly reason: string }
  | { readonly kind: 'none'; readonly reason: string }
