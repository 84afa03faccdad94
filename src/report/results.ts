import type { Health } from '../types/health.ts'
import type { DeploymentPlan, PlanProblem, PlanSpec, PlanTarget } from '../types/plan.ts'
import type { Operation, RenderDiff, Result, Status } from '../types/results.ts'

// Pure: the one place a Result is built, from a plan (a step, or a plan file that
// could not be read) and what became of it; every affected plan gets one.

export interface OutcomeFields {
  readonly operation: Operation | null
  readonly status: Status
  readonly chart?: string
  readonly version?: string
  readonly revision?: number | null
  readonly error?: string | null
  readonly notes?: readonly string[]
  /** What the user should act on though the plan did not fail (a CRD left differing under `crds: create`). */
  readonly warnings?: readonly string[]
  readonly durationMs?: number
  readonly diff?: RenderDiff
  /** The plan file's line the error is about. */
  readonly line?: number
  /** Set when the release's health was checked. */
  readonly health?: Health | null
}

export function resultOf(
  step: { readonly target: PlanTarget; readonly spec?: PlanSpec },
  fields: OutcomeFields
): Result {
  const { target, spec } = step
  return {
    setup: target.setup,
    namespace: target.namespace,
    release: target.release,
    plan: target.plan,
    chart: fields.chart ?? spec?.chartText ?? '',
    version: fields.version ?? spec?.version ?? '',
    operation: fields.operation,
    status: fields.status,
    revision: fields.revision ?? null,
    durationMs: fields.durationMs ?? 0,
    error: fields.error ? `${target.plan}: ${fields.error}` : null,
    notes: fields.notes ?? [],
    health: fields.health ?? null,
    ...(fields.warnings?.length ? { warnings: fields.warnings } : {}),
    ...(fields.diff ? { diff: fields.diff } : {}),
    ...(fields.line !== undefined ? { line: fields.line } : {})
  }
}

/** A plan file that could not be read fails, pointing at the file (and line) at fault. */
export function problemResult({ target, problem }: PlanProblem): Result {
  const elsewhere = problem.file !== target.plan
  const where = elsewhere ? `${problem.file}${problem.line ? `:${problem.line}` : ''}: ` : ''
  return resultOf(
    { target },
    {
      operation: null,
      status: 'failed',
      error: `${where}${problem.message}`,
      line: !elsewhere && problem.line ? problem.line : undefined
    }
  )
}

/** The results of the run and of the plan's problems, in setup then plan order, each with its wave. */
export function allResults(plan: DeploymentPlan, results: readonly Result[]): Result[] {
  const waveOf = new Map(plan.waves.flatMap((setups, i) => setups.map((s) => [s, i + 1] as const)))
  return [...results, ...plan.problems.map(problemResult)]
    .map((r) => {
      const wave = waveOf.get(r.setup)
      return wave === undefined ? r : { ...r, wave }
    })
    .sort((a, b) => compare(a.setup, b.setup) || compare(a.plan, b.plan))
}

/** The `setups` output: every setup an affected plan belongs to, a job matrix (see `plan.waves` for their order). */
export function affectedSetups(plan: DeploymentPlan): string[] {
  const setups = new Set([
    ...plan.setups.map((s) => s.setup),
    ...plan.problems.map((p) => p.target.setup)
  ])
  return [...setups].sort(compare)
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
