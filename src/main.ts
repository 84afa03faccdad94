import { readConfig } from './config.ts'
import { readEvent } from './github/event.ts'
import { resolveScope } from './github/scope.ts'
import { createApi } from './github/api.ts'
import { detectChanges } from './changes/detect.ts'
import { planDeployment } from './plan/planner.ts'
import { openCheckout } from './plan/checkout.ts'
import { prepareHelm } from './apply/helm-tool.ts'
import { runEngine, runKindOf } from './engine/run.ts'
import { runDrift } from './engine/drift.ts'
import { notRun } from './engine/outcome.ts'
import { reportPlan, reportResults, reportRunFailure } from './report/report.ts'
import { onCancel } from './cancel.ts'
import { syncDriftIssues } from './github/drift-issues.ts'
import { allResults } from './report/results.ts'
import { setupDrifts } from './report/drift-summary.ts'
import { runWarning } from './report/run-warning.ts'
import { printUntrusted } from './report/untrusted-text.ts'

/** The data path: event → scope → changes → plan → engine (observe, decide, act) → report. */
export async function run(): Promise<void> {
  const cancellation = onCancel()
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
    reportPlan(plan, scope, changes, event.mode)

    const needsHelm = plan.setups.length > 0
    const helm = needsHelm
      ? await prepareHelm(config, cancellation.signal).catch((error: unknown) => errorOf(error))
      : undefined
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
              runKind: runKindOf(event.mode === 'preview' || config.dryRun, plan),
              run: event.workflow.runId?.toString(),
              signal: cancellation.signal
            })
    await reportResults(
      plan,
      results,
      cancellation.signal.aborted,
      driftCheck ? { failOnDrift: config.failOnDrift } : undefined
    )
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
    await reportRunFailure(error instanceof Error ? error.message : String(error))
  } finally {
    cancellation.dispose()
  }
}

function errorOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
