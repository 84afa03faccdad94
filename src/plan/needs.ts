import { releaseKey, type FileProblem, type PlanTarget } from '../types/plan.ts'
import type { Located } from './plan-file.ts'

// Pure: the `needs` of a setup's plans must name plans of that setup and must
// not go round in a circle; each offending plan gets one problem on its line.

export interface PlanNeeds {
  readonly target: PlanTarget
  readonly needs: readonly Located[]
}

/** Problems by plan path. */
export function needsProblems(plans: readonly PlanNeeds[]): Map<string, FileProblem> {
  const problems = new Map<string, FileProblem>()
  // Needs name plans of their own setup, by releaseKey.
  const bySetup = new Map<string, Map<string, PlanNeeds>>()
  for (const p of plans) {
    const named = bySetup.get(p.target.setup) ?? new Map<string, PlanNeeds>()
    bySetup.set(p.target.setup, named.set(releaseKey(p.target), p))
  }
  const needed = (p: PlanNeeds, need: Located): PlanNeeds | undefined =>
    bySetup.get(p.target.setup)?.get(need.text)
  for (const p of plans) {
    const missing = p.needs.find((n) => !needed(p, n))
    if (missing)
      problems.set(p.target.plan, {
        file: p.target.plan,
        line: missing.line,
        message: `needs '${missing.text}', but setup '${p.target.setup}' has no plan for that namespace/release`
      })
  }
  // A depth-first walk; a need that leads back to a plan on the current path closes a cycle.
  const state = new Map<PlanNeeds, 'walking' | 'done'>()
  const walk = (p: PlanNeeds, path: PlanNeeds[]): void => {
    state.set(p, 'walking')
    for (const need of p.needs) {
      const next = needed(p, need)
      if (!next) continue
      if (state.get(next) === 'walking') {
        const cycle = [...path.slice(path.indexOf(next)), p]
        const names = [...cycle, next].map((c) => releaseKey(c.target))
        for (const member of cycle) {
          const line = member.needs.find(
            (n) => needed(member, n) === cycle[(cycle.indexOf(member) + 1) % cycle.length]
          )?.line
          if (!problems.has(member.target.plan))
            problems.set(member.target.plan, {
              file: member.target.plan,
              ...(line ? { line } : {}),
              message: `its needs form a cycle: ${names.join(' → ')}`
            })
        }
      } else if (!state.has(next)) walk(next, [...path, p])
    }
    state.set(p, 'done')
  }
  for (const p of plans) if (!state.has(p)) walk(p, [])
  return problems
}
