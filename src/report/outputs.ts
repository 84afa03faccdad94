import * as core from '@actions/core'
import type { Result } from '../types/results.ts'
import { mask } from '../secrets/masking.ts'
import { driftedCount, orphanCount } from './drift-summary.ts'

// The action's outputs (action.yml): `results`, `setups`, `waves`, `failed`, `diff`, `changed`,
// `drifted`, `orphans`; `promotions` is promotions.ts's.

/** One object a plan, in the documented shape (the annotation line is internal). */
export function resultsJson(results: readonly Result[]): string {
  return JSON.stringify(
    results.map((r) => ({
      setup: r.setup,
      namespace: r.namespace,
      release: r.release,
      plan: r.plan,
      chart: r.chart,
      version: r.version,
      operation: r.operation,
      status: r.status,
      revision: r.revision,
      durationMs: r.durationMs,
      error: r.error,
      notes: r.notes,
      health: r.health,
      wave: r.wave ?? null,
      ...(r.warnings?.length ? { warnings: r.warnings } : {}),
      ...(r.drift ? { drift: r.drift } : {})
    }))
  )
}

let setupsWritten = false

/** `setups` and `waves`: the affected setups, and the same setups in wave order (lists of lists). */
export function writeSetupsOutput(
  setups: readonly string[],
  waves: readonly (readonly string[])[]
): void {
  core.setOutput('setups', mask(JSON.stringify(setups)))
  core.setOutput('waves', mask(JSON.stringify(waves)))
  setupsWritten = true
}

/** A run that failed as a whole: no plan results, and the failure itself counts once. */
export function writeRunFailureOutputs(): void {
  core.setOutput('results', '[]')
  core.setOutput('failed', '1')
  core.setOutput('diff', '{}')
  core.setOutput('changed', '0')
  core.setOutput('drifted', '0')
  core.setOutput('orphans', '0')
  core.setOutput('promotions', '[]')
  if (!setupsWritten) writeSetupsOutput([], [])
}

/** `diff`: per plan path, how many objects head adds, changes and removes against base. */
export function diffJson(results: readonly Result[]): string {
  return JSON.stringify(
    Object.fromEntries(
      results.flatMap((r) =>
        r.diff
          ? [[r.plan, { added: r.diff.added, changed: r.diff.changed, removed: r.diff.removed }]]
          : []
      )
    )
  )
}

export function writeResultOutputs(
  results: readonly Result[],
  /** A fleet's report counts its setups without results too. */
  failed = results.filter((r) => r.status === 'failed').length
): void {
  core.setOutput('results', mask(resultsJson(results)))
  core.setOutput('failed', String(failed))
  core.setOutput('diff', mask(diffJson(results)))
  core.setOutput('changed', String(results.filter((r) => (r.diff?.objects.length ?? 0) > 0).length))
  core.setOutput('drifted', String(driftedCount(results)))
  core.setOutput('orphans', String(orphanCount(results)))
}
