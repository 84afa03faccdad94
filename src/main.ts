import { readConfig } from './config.ts'
import { readEvent } from './github/event.ts'
import { resolveScope } from './github/scope.ts'
import { createApi } from './github/api.ts'
import { detectChanges } from './changes/detect.ts'
import { planDeployment } from './plan/planner.ts'
import { RepositoriesFileError } from './plan/repositories.ts'
import { addUrlSecrets, takeSecretWarnings } from './secrets/masking.ts'
import { openCheckout } from './plan/checkout.ts'
import { prepareHelm } from './apply/helm-tool.ts'
import { runEngine, runKindOf } from './engine/run.ts'
import { runDrift } from './engine/drift.ts'
import { notRun } from './engine/outcome.ts'
import {
  diffCommentBody,
  reportPlan,
  reportResults,
  reportRunFailure,
  type PreviewReport
} from './report/report.ts'
import { runNotice, runWarning } from './report/run-warning.ts'
import { commentMarker, upsertComment } from './github/pr-comment.ts'
import { finishDeployments, startDeployments, type RunEnd } from './github/deployments.ts'
import { onCancel } from './cancel.ts'
import { openDiffBase, type OpenedBase } from './diff-base.ts'
import { syncDriftIssues } from './github/drift-issues.ts'
import { allResults } from './report/results.ts'
import { setupDrifts } from './report/drift-summary.ts'
import { printUntrusted } from './report/untrusted-text.ts'
import { errorMessage } from './error-message.ts'

/** The data path: event → scope → changes → plan → engine (observe, decide, act) → report. */
export async function run(): Promise<void> {
  const cancellation = onCancel()
  let opened: OpenedBase | undefined
  // Set while Deployments are in progress: an error that ends the run must still end them.
  let endDeployments: ((end: RunEnd) => Promise<void>) | undefined
  try {
    const config = readConfig()
    const event = readEvent()
    const api = createApi(config.githubToken, event, cancellation.signal)
    const scope = await resolveScope(event, api, config)
    const changes =
      scope.kind === 'diff'
        ? await detectChanges(scope, event, config.workspace, api, cancellation.signal)
        : undefined
    // A drift check reads the cluster: a dry run (or a preview) stays a render.
    const driftCheck =
      !config.dryRun &&
      (event.name === 'schedule' || (event.name === 'workflow_dispatch' && config.mode === 'drift'))
    const plan = await planDeployment({
      config,
      scope,
      changes,
      openCheckout: () => openCheckout(config.workspace, event.sha),
      sha: event.sha
    })
    for (const { problem } of plan.problems) problem.leakedUrls?.forEach(addUrlSecrets)
    reportPlan(plan, scope, changes, event.mode)

    const preview = event.mode === 'preview' || config.dryRun
    const needsHelm = plan.setups.length > 0
    const helm = needsHelm
      ? await prepareHelm(config, cancellation.signal).catch((error: unknown) => errorOf(error))
      : undefined
    // A preview compares with its diff base, whose files are opened once for every plan.
    if (preview && helm !== undefined && !(helm instanceof Error))
      opened = await openDiffBase({
        event,
        scope,
        changes,
        plan,
        config,
        api,
        signal: cancellation.signal
      })
    if (config.deployments && !preview && plan.setups.length > 0) {
      const started = await startDeployments(api, {
        setups: plan.setups.map((s) => s.setup),
        sha: plan.sha,
        template: config.deploymentEnvironment,
        logUrl: event.workflow.runUrl
      })
      endDeployments = async (end) => {
        endDeployments = undefined
        const problems = [
          ...started.problems,
          ...(await finishDeployments(api, started, end, event.workflow.runUrl))
        ]
        if (problems.length > 0)
          runWarning(`GitHub Deployments could not be recorded: ${problems.join('; ')}`)
      }
    }
    // Without helm no plan can run, but every affected plan still gets its result.
    const results =
      helm === undefined
        ? []
        : helm instanceof Error
          ? plan.setups.flatMap((setup) =>
              setup.steps.map((step) =>
                cancellation.signal.aborted
                  ? notRun(step, 'skipped', 'not run: the run was cancelled')
                  : notRun(step, 'failed', helm.message)
              )
            )
          : await (driftCheck ? runDrift : runEngine)({
              plan,
              config,
              helm,
              runKind: runKindOf(preview, plan),
              run: event.workflow.runId?.toString(),
              signal: cancellation.signal,
              base: opened?.base
            })
    const previewReport: PreviewReport | undefined = preview
      ? {
          base: opened?.base,
          fullDiffAt: `the log of this run${event.workflow.runUrl ? ` (${event.workflow.runUrl})` : ''}`
        }
      : undefined
    await reportResults(plan, results, cancellation.signal.aborted, {
      ...(previewReport && { preview: previewReport }),
      ...(driftCheck && {
        drift: {
          failOnDrift: config.failOnDrift,
          pruneWithoutKey: config.prune && config.ownershipKey === undefined
        }
      })
    })
    if (event.name === 'pull_request' && previewReport) {
      const marker = commentMarker(event.workflow.file)
      const body = diffCommentBody(plan, results, previewReport, marker)
      const affected = results.length + plan.problems.length > 0
      const posted = await upsertComment(api, event.number, marker, body, affected)
      if (posted.kind === 'skipped') runNotice(posted.reason)
    }
    await endDeployments?.({
      kind: 'finished',
      results,
      cancelled: cancellation.signal.aborted
    })
    if (driftCheck && config.driftIssues) {
      // The step's outcome stands: an issue that could not be written is a warning.
      await syncDriftIssues(api, setupDrifts(plan.sha, allResults(plan, results))).then(
        (outcomes) => {
          for (const o of outcomes)
            if (o.change !== 'none')
              printUntrusted(`Drift issue of ${o.setup}: #${o.number} ${o.change}`)
        },
        (error: unknown) =>
          runWarning(`The drift issues could not be kept up to date: ${errorOf(error).message}`)
      )
    }
  } catch (error) {
    if (error instanceof RepositoriesFileError) error.leakedUrls.forEach(addUrlSecrets)
    await reportRunFailure(errorMessage(error))
    await endDeployments?.({ kind: 'stopped' })
  } finally {
    for (const warning of takeSecretWarnings()) runWarning(warning)
    await opened?.dispose()
    cancellation.dispose()
  }
}

function errorOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
