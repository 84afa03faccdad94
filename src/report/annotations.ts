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
