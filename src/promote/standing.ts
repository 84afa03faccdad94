import type { Result } from '../types/results.ts'
import type { PlanFile, Standing } from './decide.ts'

// Pure: whether a plan of a `from` setup is deployed as git says, told without a
// cluster read. This run's result says so for the plans it deployed: succeeded or
// unchanged, and not unhealthy. A plan this run did not touch was deployed by an
// earlier run when this run's diff starts at the head of the last successful run
// (every plan of that run succeeded, and was healthy where checked) and the diff
// leaves the plan alone; a plan the `plans` input leaves out of this run may have
// changed since, so it is not known.

export interface RunEvidence {
  /** This run's results, by plan file. */
  readonly results: ReadonlyMap<string, Result>
  /** Plan files this run could not read: they failed. */
  readonly problems: ReadonlySet<string>
  /** The head of the last successful run when this run's diff starts there. */
  readonly deployedBase: string | undefined
  /** Whether the run's `plans` input covers a plan file. */
  readonly selected: (plan: string) => boolean
}

export function standingOf(evidence: RunEvidence, plan: PlanFile): Standing {
  const path = plan.target.plan
  const result = evidence.results.get(path)
  if (result) {
    const health = healthOf(result)
    return promotable(result, health)
      ? { kind: 'run', revision: result.revision, health: health ?? null }
      : { kind: 'failed' }
  }
  if (evidence.problems.has(path)) return { kind: 'failed' }
  if (
    evidence.deployedBase !== undefined &&
    evidence.selected(path) &&
    plan.values !== undefined &&
    !plan.values.suspend
  )
    return { kind: 'earlier', base: evidence.deployedBase }
  return { kind: 'unknown' }
}

function promotable(result: Result, health: string | undefined): boolean {
  return (
    (result.status === 'succeeded' || result.status === 'unchanged') &&
    (result.operation === 'install' || result.operation === 'upgrade') &&
    health !== 'unhealthy'
  )
}

/** A result's `health` (`healthy`, `unhealthy`, or null when not checked), where results carry one. */
function healthOf(result: Result): string | undefined {
  if (!('health' in result)) return undefined
  return typeof result.health === 'string' ? result.health : undefined
}
