import * as core from '@actions/core'
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
import { reportPlan, reportResults } from './report/report.ts'
import { onCancel } from './cancel.ts'

/** The data path: event → scope → changes → plan → engine (observe, decide, act) → report. */
export async function run(): Promise<void> {
  const cancellation = onCancel()
  try {
    const config = readConfig()
    const event = readEvent()
    const api = createApi(config.githubToken, event)
    const scope = await resolveScope(event, api)
    const changes =
      scope.kind === 'diff' ? await detectChanges(scope, event, config.workspace, api) : undefined
    const checkout = await openCheckout(config.workspace)
    const plan = await planDeployment({ config, scope, changes, checkout, sha: event.sha })
    reportPlan(plan, scope, changes, event.mode)

    const needsHelm = plan.setups.length > 0
    const helm = needsHelm
      ? await prepareHelm(config).catch((error: unknown) => errorOf(error))
      : undefined
    // Without helm no plan can run, but every affected plan still gets its result.
    const results =
      helm === undefined
        ? []
        : helm instanceof Error
          ? plan.setups.flatMap((setup) =>
              setup.steps.map((step) => notRun(step, 'failed', helm.message))
            )
          : await runEngine({
              plan,
              config,
              helm,
              runKind: runKindOf(event.mode === 'preview' || config.dryRun, plan),
              run: event.workflow.runId?.toString(),
              signal: cancellation.signal
            })
    await reportResults(plan, results, cancellation.signal.aborted)
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  } finally {
    cancellation.dispose()
  }
}

function errorOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
