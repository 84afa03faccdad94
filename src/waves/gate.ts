import type { Health } from '../types/health.ts'
import type { PlannedStep } from '../types/plan.ts'
import type { Status } from '../types/results.ts'

// Pure: whether the next wave may start, what its soak re-checks, and what the
// plans of later waves say when it may not.

/** What the gate reads of a result (`health` is absent or null where it was not checked). */
export interface GateEntry {
  readonly setup: string
  readonly plan: string
  readonly status: Status
  readonly health?: Health | null
}

export type Gate =
  | { readonly passed: true }
  /** The plans that stopped the wave, in setup then plan order. */
  | { readonly passed: false; readonly stoppedBy: readonly GateEntry[] }

/**
 * A wave passes when no plan of it failed (a plan file that could not be read, a setup
 * that could not be reached and a soak re-check that found it unhealthy count as
 * failed) and none was unhealthy. A plan skipped on purpose (`suspend`, a foreign
 * release left alone) does not hold the rollout back.
 */
export function waveGate(entries: readonly GateEntry[]): Gate {
  const stoppedBy = entries
    .filter((e) => e.status === 'failed' || e.health === 'unhealthy')
    .sort((a, b) => compare(a.setup, b.setup) || compare(a.plan, b.plan))
  return stoppedBy.length === 0 ? { passed: true } : { passed: false, stoppedBy }
}

const STOPPED = 'not run: wave '

/** The note of every plan of a later wave once wave `wave` (1-based) stopped the rollout. */
export function stoppedNote(wave: number, stoppedBy: readonly GateEntry[]): string {
  const [first] = stoppedBy
  if (!first) throw new Error('internal error: a wave stopped by no plan')
  const what = first.status === 'failed' ? 'failed' : 'was unhealthy'
  const more = stoppedBy.length > 1 ? ` and ${stoppedBy.length - 1} more plan(s)` : ''
  return `${STOPPED}${wave} failed (setup ${first.setup}: ${first.plan} ${what}${more}); the next run deploys it`
}

/** The stoppedNote of a result that an earlier wave kept from running, if it is one. */
export function stoppedByWave(result: {
  readonly status: Status
  readonly notes: readonly string[]
}): string | undefined {
  return result.status === 'skipped' ? result.notes.find((n) => n.startsWith(STOPPED)) : undefined
}

/**
 * What a soak re-reads: the releases of the wave found healthy. A result that does not
 * say (`health` absent) counts when its plan asks for health and its release is in place.
 */
export function soakTargets<R extends GateEntry & { readonly operation: string | null }>(
  steps: readonly PlannedStep[],
  results: readonly R[]
): { step: Extract<PlannedStep, { action: 'apply' }>; result: R }[] {
  const byPlan = new Map(results.map((r) => [r.plan, r]))
  return steps.flatMap((step) => {
    const result = byPlan.get(step.target.plan)
    if (step.action !== 'apply' || !step.spec.options.health.enable || !result) return []
    const inPlace =
      (result.status === 'succeeded' || result.status === 'unchanged') &&
      result.operation !== 'uninstall'
    const healthy = result.health === undefined ? inPlace : result.health === 'healthy'
    return healthy && result.status !== 'failed' ? [{ step, result }] : []
  })
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
