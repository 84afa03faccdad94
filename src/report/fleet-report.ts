import * as core from '@actions/core'
import type { WaveVerdict } from '../fleet/gate.ts'
import type { MergedFleet } from '../fleet/merge.ts'
import { mask } from '../secrets/masking.ts'
import { driftRemains, driftedCount, orphanCount } from './drift-summary.ts'
import { renderFleetSection } from './fleet-summary.ts'
import { writeResultOutputs, writeSetupsOutput } from './outputs.ts'
import { runSummary, writeSummary } from './report.ts'

// A fleet's report job: the merged results as the outputs and one job summary, and
// the step's end as the gate says: it fails when a wave has more failed setups than
// max-failures, whatever else happened.

export interface FleetReportOptions {
  readonly maxFailures: number
  readonly failOnDrift: boolean
}

/** Writes the outputs and the summary; returns the summary (a commit comment's body). */
export async function reportFleet(
  merged: MergedFleet,
  verdicts: readonly WaveVerdict[],
  options: FleetReportOptions,
  /** Every setup in wave order (the waves output). */
  waves: readonly (readonly string[])[]
): Promise<string> {
  const { results } = merged
  const drift = merged.kind === 'drift-report' || merged.kind === 'drift-correct'
  const unreported = new Set(merged.unreported.flatMap((u) => u.setups)).size
  writeResultOutputs(results, results.filter((r) => r.status === 'failed').length + unreported)
  writeSetupsOutput(merged.setups, waves)
  const preview = merged.preview
    ? { base: merged.preview.base ?? undefined, fullDiffAt: merged.preview.fullDiffAt }
    : undefined
  const markdown =
    renderFleetSection(merged, verdicts, options.maxFailures) +
    runSummary({ drift, sha: merged.sha, results, cancelled: merged.cancelled, preview })
  await writeSummary(markdown)
  for (const u of merged.unreported)
    core.warning(
      mask(`No results for ${u.setups.join(', ')}${u.shard ? ` (shard ${u.shard})` : ''}: ${u.why}`)
    )
  if (merged.unwritten.length > 0)
    core.warning(
      mask(
        `${merged.unwritten.length} GitHub write(s) of the jobs could not be made (see the job summary): ${merged.unwritten.join('; ')}`
      )
    )
  const over = verdicts.filter((v) => !v.passed)
  if (over.length > 0) {
    core.setFailed(
      mask(
        over
          .map(
            (v) =>
              `wave ${v.wave}: ${v.failed.length} of ${v.setups} setup(s) failed (${v.failed.join(', ')}), more than max-failures ${options.maxFailures}`
          )
          .join('; ')
      )
    )
  } else if (options.failOnDrift && drift && driftRemains(results)) {
    core.setFailed(
      `fail-on-drift: ${driftedCount(results)} release(s) drifted or missing, ${orphanCount(results)} orphan(s) (see the job summary)`
    )
  } else {
    const failed = verdicts.flatMap((v) => v.failed)
    if (failed.length > 0)
      core.warning(
        mask(
          `${failed.length} setup(s) failed, within max-failures ${options.maxFailures}: ${failed.join(', ')}`
        )
      )
  }
  return markdown
}
