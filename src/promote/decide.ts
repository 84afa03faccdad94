import { releaseKey, type PlanTarget } from '../types/plan.ts'
import type { KeyChange, PromotionKey, PromotionRule } from '../types/promotion.ts'
import type { PlanValues } from './plan-values.ts'

// Pure: what each target setup's promotion branch holds. Every plan of a `from`
// setup that is deployed as git says, whose `<namespace>/<release>` has a plan in a
// `to` setup with other values for the entry's keys, is proposed there; so are the
// proposals already on the branch (an earlier run's, or a concurrent one's) that
// are still pending and still proven.

export interface PlanFile {
  readonly target: PlanTarget
  readonly text: string
  /** undefined when the file is no valid plan. */
  readonly values: PlanValues | undefined
}

/** The plans of the setups promotion reads, by setup, then by `<namespace>/<release>`. */
export type PlansBySetup = ReadonlyMap<string, ReadonlyMap<string, PlanFile>>

/** Why a plan of a `from` setup counts as deployed as git says. */
export type Proof =
  /** This run deployed it (or found it deployed) and it was healthy where checked. */
  | { readonly kind: 'run'; readonly revision: number | null; readonly health: string | null }
  /** Unchanged since the head of the last successful run, which deployed it. */
  | { readonly kind: 'earlier'; readonly base: string }
  /** An earlier (or concurrent) run proposed it: the branch's commit. */
  | { readonly kind: 'branch'; readonly commit: string }

export type Standing = Proof | { readonly kind: 'failed' } | { readonly kind: 'unknown' }

/** Some keys of one target plan, with the text they are copied from. */
export interface Proposal {
  readonly target: PlanFile
  /** The plan of the `from` setup the values come from. */
  readonly from: string
  /** The file the values are copied from: the `from` plan, or the branch's own edit. */
  readonly source: string
  readonly changes: readonly KeyChange[]
  readonly proof: Proof
}

export interface Proposals {
  /** By target setup, in file order of the entries, then in plan order. */
  readonly bySetup: ReadonlyMap<string, readonly Proposal[]>
  /** By plan of a `from` setup this run deployed: why it was not proposed somewhere. */
  readonly notes: ReadonlyMap<string, readonly string[]>
}

/** The keys of a proposal. */
export function keysOf(proposal: Pick<Proposal, 'changes'>): PromotionKey[] {
  return proposal.changes.map((c) => c.key)
}

/** What this run's evidence proposes, before the branch is read. */
export function proposals(
  rules: readonly PromotionRule[],
  plans: PlansBySetup,
  standing: (plan: PlanFile) => Standing
): Proposals {
  const bySetup = new Map<string, Proposal[]>()
  const notes = new Map<string, string[]>()
  const note = (plan: string, text: string): void => {
    const list = notes.get(plan)
    if (list) list.push(text)
    else notes.set(plan, [text])
  }
  for (const rule of rules) {
    for (const source of sorted(plans.get(rule.from))) {
      const proof = standing(source)
      if (!isProof(proof) || !source.values) continue
      // Only this run's own plans are told about: the others were told when they deployed.
      const tell = proof.kind === 'run' ? (text: string) => note(source.target.plan, text) : noop
      for (const setup of rule.to) {
        const key = releaseKey(source.target)
        const target = plans.get(setup)?.get(key)
        if (!target) {
          tell(
            `not promoted to ${setup}: it has no plan for ${key} (a promotion never creates one)`
          )
          continue
        }
        if (!target.values) {
          tell(`not promoted to ${setup}: ${target.target.plan} is no valid plan`)
          continue
        }
        const list = bySetup.get(setup) ?? []
        const taken = new Set(list.filter((p) => p.target === target).flatMap(keysOf))
        const changes = differences(source.values, target.values, rule.keys).filter((c) => {
          if (!taken.has(c.key)) return true
          tell(
            `${c.key} not promoted to ${target.target.plan}: an earlier entry of the file promotes it there`
          )
          return false
        })
        if (changes.length === 0) continue
        list.push({
          target,
          from: source.target.plan,
          source: source.text,
          changes,
          proof
        })
        bySetup.set(setup, list)
      }
    }
  }
  return { bySetup, notes }
}

/** A key a target plan's file on the branch changed: what it holds there. */
export interface BranchEdit {
  readonly plan: string
  readonly text: string
  readonly values: PlanValues
  readonly keys: readonly PromotionKey[]
}

export interface Branch {
  readonly commit: string
  readonly edits: readonly BranchEdit[]
  /** It was built on a newer commit than this run's: where both propose a key, the branch's value stands. */
  readonly newer: boolean
}

/**
 * A target setup's proposals with those on its branch that are still pending (the
 * target plan still differs) and still proven: a `from` plan of an entry for that
 * key still holds the value and this run did not fail it; from a branch of a newer
 * commit, pending is enough.
 */
export function withBranch(
  setup: string,
  own: readonly Proposal[],
  branch: Branch,
  rules: readonly PromotionRule[],
  plans: PlansBySetup,
  standing: (plan: PlanFile) => Standing
): Proposal[] {
  const targets = new Map([...(plans.get(setup)?.values() ?? [])].map((p) => [p.target.plan, p]))
  let kept = [...own]
  const carried: Proposal[] = []
  for (const edit of branch.edits) {
    const target = targets.get(edit.plan)
    if (!target?.values) continue
    const current = target.values
    const ownKeys = new Set(kept.filter((p) => p.target === target).flatMap(keysOf))
    const sourceOf = (key: PromotionKey): PlanFile | undefined =>
      rules
        .filter((r) => r.to.includes(setup) && r.keys.includes(key))
        .map((r) => plans.get(r.from)?.get(releaseKey(target.target)))
        .find((f) => f !== undefined)
    const proven = (key: PromotionKey): boolean =>
      rules.some((r) => {
        if (!r.to.includes(setup) || !r.keys.includes(key)) return false
        const from = plans.get(r.from)?.get(releaseKey(target.target))
        return (
          from !== undefined &&
          from.values?.keys[key] === edit.values.keys[key] &&
          standing(from).kind !== 'failed'
        )
      })
    const changes = differences(edit.values, current, edit.keys).filter((c) =>
      branch.newer ? true : !ownKeys.has(c.key) && proven(c.key)
    )
    if (changes.length === 0) continue
    if (branch.newer) {
      const theirs = new Set(changes.map((c) => c.key))
      kept = kept
        .map((p) =>
          p.target === target ? { ...p, changes: p.changes.filter((c) => !theirs.has(c.key)) } : p
        )
        .filter((p) => p.changes.length > 0)
    }
    carried.push({
      target,
      from: sourceOf(changes[0]?.key as PromotionKey)?.target.plan ?? edit.plan,
      source: edit.text,
      changes,
      proof: { kind: 'branch', commit: branch.commit }
    })
  }
  return [...kept, ...carried].sort((a, b) => compare(a.target.target.plan, b.target.target.plan))
}

/** The keys whose values differ, where the source sets the key at all. */
function differences(
  source: PlanValues,
  target: PlanValues,
  keys: readonly PromotionKey[]
): KeyChange[] {
  return keys.flatMap((key) => {
    const value = source.keys[key]
    const old = target.keys[key]
    return value !== undefined && value !== old ? [{ key, old, new: value }] : []
  })
}

function isProof(standing: Standing): standing is Proof {
  return standing.kind !== 'failed' && standing.kind !== 'unknown'
}

function sorted(plans: ReadonlyMap<string, PlanFile> | undefined): PlanFile[] {
  return [...(plans?.values() ?? [])].sort((a, b) => compare(a.target.plan, b.target.plan))
}

const noop = (): void => undefined

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
