import * as core from '@actions/core'
import { releaseKey } from '../types/plan.ts'
import { type Result } from '../types/results.ts'
import { mask } from '../secrets/masking.ts'

/** An error annotation on the plan file of each failed plan (with the line when one is known). */
export function annotateFailures(results: readonly Result[]): void {
  for (const r of results) {
    if (r.status !== 'failed') continue
    core.error(mask(r.error ?? `${r.plan}: failed`), {
      title: mask(`${r.operation ?? 'plan'} of ${r.setup} ${releaseKey(r)} failed`),
      file: r.plan,
      ...(r.line ? { startLine: r.line } : {})
    })
  }
}

/** A warning annotation on the plan file for each warning of a plan that did not fail because of it. */
export function annotateWarnings(results: readonly Result[]): void {
  for (const r of results)
    for (const warning of r.warnings ?? [])
      core.warning(mask(`${r.plan}: ${warning}`), {
        title: mask(`${r.operation ?? 'plan'} of ${r.setup} ${releaseKey(r)}: warning`),
        file: r.plan
      })
}
