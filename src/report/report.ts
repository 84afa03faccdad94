import * as core from '@actions/core'
import { type Changes, type Scope } from '../types/changes.ts'
import { type PreviewBase } from '../types/diff-base.ts'
import { isDriftCheck, releaseKey, type DeploymentPlan } from '../types/plan.ts'
import { type Result } from '../types/results.ts'
import { COMMENT_LIMIT, renderDiffMarkdown, SUMMARY_DIFF_LIMIT } from './diff-markdown.ts'
import { annotateFailures, annotateWarnings } from './annotations.ts'
import { mask } from '../secrets/masking.ts'
import { writeResultOutputs, writeRunFailureOutputs, writeSetupsOutput } from './outputs.ts'
import { affectedSetups, allResults } from './results.ts'
import { driftRemains, driftedCount, orphanCount, renderDriftSection } from './drift-summary.ts'
import { renderRunFailure, renderSummary } from './summary.ts'
import { printUntrusted } from './untrusted-text.ts'

// What the run tells the user: the plan before anything runs, the results after.

export function reportPlan(plan: DeploymentPlan, scope: Scope, changes: Changes | undefined): void {
  // File names and change reasons come from the repository.
  const info = printUntrusted
  if (scope.kind === 'none') core.notice(mask(`Nothing to deploy: ${scope.reason}`))
  if (scope.kind === 'all') info(`Scope: every plan at ${scope.head} (${scope.reason})`)
  if (scope.kind === 'diff')
    info(`Scope: changes ${scope.base}..${scope.head} (base: ${scope.baseReason})`)
  if (changes) info(`Changed paths: ${changes.paths.length}, from ${changes.source}`)
  const steps = plan.setups.reduce((n, s) => n + s.steps.length, 0)
  info(
    `${plan.runKind.kind === 'preview' ? 'Preview' : 'Plan'} of ${plan.sha}: ${steps} plan(s) in ${plan.setups.length} setup(s)` +
      (plan.problems.length > 0 ? `, ${plan.problems.length} plan file(s) with problems` : '')
  )
  for (const setup of plan.setups) {
    for (const step of setup.steps) {
      info(
        `  ${setup.setup}: ${step.action} ${releaseKey(step.target)} (${step.reasons.join('; ')})`
      )
    }
  }
  for (const problem of plan.problems)
    info(`  ${problem.target.setup}: cannot read ${problem.target.plan}`)
  if (plan.waves.length > 1)
    info(`Waves: ${plan.waves.map((setups, i) => `${i + 1}: ${setups.join(', ')}`).join('; ')}`)
  writeSetupsOutput(affectedSetups(plan), plan.waves)
}

/** A preview's diff: what it was compared with, and where its full text is. */
export interface PreviewReport {
  readonly base: PreviewBase | undefined
  /** e.g. "the log of run 12 (https://...)". */
  readonly fullDiffAt: string
}

/** A preview's report: its diff base, and the full diff in the log of the run at `runUrl`. */
export function previewReportOf(
  base: PreviewBase | undefined,
  runUrl: string | undefined
): PreviewReport {
  return { base, fullDiffAt: `the log of this run${runUrl ? ` (${runUrl})` : ''}` }
}

export async function reportResults(
  plan: DeploymentPlan,
  results: readonly Result[],
  cancelled: boolean,
  /** A preview's diff base and where its full text is; undefined outside a preview. */
  preview?: PreviewReport
): Promise<void> {
  const drift = isDriftCheck(plan.runKind) ? plan.runKind : undefined
  const all = allResults(plan, results)
  writeResultOutputs(all)
  annotateFailures(all)
  annotateWarnings(all)
  await writeSummary(
    runSummary({ drift: drift !== undefined, sha: plan.sha, results: all, cancelled, preview })
  )
  const failed = all.filter((r) => r.status === 'failed')
  if (drift?.failOnDrift && failed.length === 0 && driftRemains(all)) {
    core.setFailed(
      `fail-on-drift: ${driftedCount(all)} release(s) drifted or missing, ${orphanCount(all)} orphan(s) (see the job summary)`
    )
  }
  if (drift?.pruneWithoutKey)
    core.warning(
      'prune: true uninstalls no orphan without the ownership-key input: orphans are only reported. Set ownership-key to a repository or organization secret (e.g. openssl rand -hex 32) in every workflow that runs this action; the releases it deploys from then on are signed and can be pruned.'
    )
  if (cancelled)
    core.warning(
      'The run was cancelled: what finished is reported; the next run recovers the rest.'
    )
  if (failed.length > 0) {
    core.setFailed(
      mask(
        `${failed.length} of ${all.length} plan(s) failed: ${failed.map((r) => r.plan).join(', ')}`
      )
    )
  } else if (cancelled) {
    core.setFailed('The run was cancelled before every plan finished')
  }
}

/**
 * A failure of the whole run (an input, the event, the repositories file): still the
 * outputs and a summary, so a later step or a reader sees why nothing was deployed.
 */
export async function reportRunFailure(message: string): Promise<void> {
  core.setFailed(mask(message))
  writeRunFailureOutputs()
  await writeSummary(renderRunFailure(message))
}

/** The job summary of a run's results: the table, a drift check's section, a preview's diff. */
export function runSummary(input: {
  readonly drift: boolean
  readonly sha: string
  /** Every result, the plan's problems included. */
  readonly results: readonly Result[]
  readonly cancelled: boolean
  readonly preview: PreviewReport | undefined
}): string {
  const { results, preview } = input
  const diff =
    preview && results.length > 0
      ? renderDiffMarkdown({ results, ...preview, limit: SUMMARY_DIFF_LIMIT })
      : ''
  const summary = renderSummary({
    run: input.drift ? 'drift check' : 'deploy',
    sha: input.sha,
    results,
    cancelled: input.cancelled
  })
  return (input.drift ? `${summary}\n${renderDriftSection(results)}` : summary) + diff
}

export async function writeSummary(markdown: string): Promise<void> {
  const summary = mask(markdown)
  // Outside a runner (a local try-out) there is no summary file: the log gets it.
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary).write()
  else printUntrusted(summary)
}

/** The sticky pull request comment's body, masked, within GitHub's size limit. */
export function diffCommentBody(
  plan: DeploymentPlan,
  results: readonly Result[],
  preview: PreviewReport,
  marker: string
): string {
  return mask(
    renderDiffMarkdown({
      results: allResults(plan, results),
      ...preview,
      header: marker,
      limit: COMMENT_LIMIT
    })
  )
}
