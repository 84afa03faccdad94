import type { PromotionRule } from '../types/promotion.ts'

// Pure: a cycle among promotion entries (staging → prod → staging) would propose
// each change back to where it came from. Entries are taken in file order; the
// first whose edge closes a cycle is the one at fault.

export interface Cycle {
  /** The entry whose edge closes the cycle. */
  readonly rule: PromotionRule
  /** The setups around it, from the entry's `from` back to it: [a, b, c, a]. */
  readonly path: readonly string[]
}

export function findCycle(rules: readonly PromotionRule[]): Cycle | undefined {
  const edges = new Map<string, string[]>()
  for (const rule of rules) {
    for (const to of rule.to) {
      const back = pathBetween(edges, to, rule.from)
      if (back) return { rule, path: [rule.from, ...back] }
      const out = edges.get(rule.from)
      if (out) out.push(to)
      else edges.set(rule.from, [to])
    }
  }
  return undefined
}

/** The setups on a way from `start` to `goal` along the edges so far (both ends included). */
function pathBetween(
  edges: ReadonlyMap<string, readonly string[]>,
  start: string,
  goal: string
): string[] | undefined {
  const previous = new Map<string, string | undefined>([[start, undefined]])
  const queue = [start]
  for (let at = queue.shift(); at !== undefined; at = queue.shift()) {
    if (at === goal) {
      const path: string[] = []
      for (let step: string | undefined = at; step !== undefined; step = previous.get(step))
        path.unshift(step)
      return path
    }
    for (const next of edges.get(at) ?? []) {
      if (previous.has(next)) continue
      previous.set(next, at)
      queue.push(next)
    }
  }
  return undefined
}
