import type { DriftReport, Operation, PlannedStep, RenderDiff, Result, Status } from '../types.ts'

// Pure: the one place a Result is built from a step and what became of it.

export interface OutcomeFields {
  readonly operation: Operation | null
  readonly status: Status
  readonly chart?: string
  readonly version?: string
  readonly revision?: number | null
  readonly error?: string | null
  readonly notes?: readonly string[]
  readonly durationMs?: number
  readonly diff?: RenderDiff
  /** The plan file's line the error is about. */
  readonly line?: number
}

export function resultOf(step: PlannedStep, fields: OutcomeFields): Result {
  const { target } = step
  const spec = step.action === 'apply' ? step.spec : undefined
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
    ...(fields.diff ? { diff: fields.diff } : {}),
    ...(fields.line !== undefined ? { line: fields.line } : {})
  }
}

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
