import type { DeploymentPlan, PlanProblem, Result } from '../types.ts'

// Pure: every affected plan gets a result; plan files that could not be read fail too.

export function problemResult(problem: PlanProblem): Result {
  const { target } = problem
  const elsewhere = problem.problem.file !== target.plan
  const where = elsewhere
    ? `${problem.problem.file}${problem.problem.line ? `:${problem.problem.line}` : ''}: `
    : ''
  return {
    setup: target.setup,
    namespace: target.namespace,
    release: target.release,
    plan: target.plan,
    chart: '',
    version: '',
    operation: null,
    status: 'failed',
    revision: null,
    durationMs: 0,
    error: `${target.plan}: ${where}${problem.problem.message}`,
    notes: [],
    ...(!elsewhere && problem.problem.line ? { line: problem.problem.line } : {})
  }
}

/** The results of the run and of the plan's problems, in setup then plan order. */
export function allResults(plan: DeploymentPlan, results: readonly Result[]): Result[] {
  return [...results, ...plan.problems.map(problemResult)].sort(
    (a, b) => compare(a.setup, b.setup) || compare(a.plan, b.plan)
  )
}

/** The `setups` output: every setup an affected plan belongs to, a job matrix. */
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
