import type { PlannedStep } from '../types/plan.ts'
import type { DriftReport, Result } from '../types/results.ts'
import { resultOf } from '../report/results.ts'

// Pure: the results of steps that never ran, and a drift check's beside what was done.

/** A plan that never ran (fail-fast, cancellation, a need that failed, its setup could not start). */
export function notRun(step: PlannedStep, status: 'skipped' | 'failed', why: string): Result {
  return resultOf(step, {
    operation: null,
    status,
    error: status === 'failed' ? why : null,
    notes: status === 'skipped' ? [why] : []
  })
}

/** A drift check's result: what it found, beside what was done about it. */
export function withDrift(result: Result, drift: DriftReport): Result {
  return { ...result, drift }
}
