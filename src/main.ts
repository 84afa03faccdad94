import { readConfig } from './config.ts'
import { readEvent } from './github/event.ts'
import { resolveScope } from './github/scope.ts'
import { createApi } from './github/api.ts'
import { detectChanges } from './changes/detect.ts'
import { planDeployment } from './plan/planner.ts'
import { openCheckout } from './plan/checkout.ts'
import { prepareHelm } from './apply/helm-tool.ts'
import { runEngine, runKindOf } from './engine/run.ts'
import { notRun } from './engine/outcome.ts'
import { reportPlan, reportResults, reportRunFailure } from './report/report.ts'
import { onCancel } from './cancel.ts'
import { openDiffBase, type OpenedBase } from './diff-base.ts'

/** The data path: event → scope → changes → plan → engine (observe, decide, act) → report. */
export async function run(): Promise<void> {
  const cancellation = onCancel()
  let opened: OpenedBase | undefined
  try {
    const config = readConfig()
    const event = readEvent()
    const api = createApi(config.githubToken, event, cancellation.signal)
    const scope = await resolveScope(event, api, config)
    const changes =
      scope.kind === 'diff'
        ? await detectChanges(scope, event, config.workspace, api, cancellation.signal)
        : undefined
    const plan = await planDeployment({
      config,
      scope,
      changes,
      openCheckout: () => openCheckout(config.workspace, event.sha),
      sha: event.sha
    })
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
          : await runEngine({
              plan,
              config,
              helm,
              runKind: runKindOf(preview, plan),
              run: event.workflow.runId?.toString(),
              signal: cancellation.signal,
              base: opened?.base
            })
    const fullDiffAt = event.workflow.runUrl
      ? `the log of this run (${event.workflow.runUrl})`
      : 'the log of this run'
    await reportResults(
      plan,
      results,
      cancellation.signal.aborted,
      preview ? { base: opened?.base, fullDiffAt } : undefined
    )
  } catch (error) {
    await reportRunFailure(error instanceof Error ? error.message : String(error))
  } finally {
    await opened?.dispose()
    cancellation.dispose()
  }
}

function errorOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
