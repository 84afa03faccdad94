import { readConfig } from './config.ts'
import { readEvent } from './github/event.ts'
import { resolveScope } from './github/scope.ts'
import { createApi } from './github/api.ts'
import { detectChanges } from './changes/detect.ts'
import { planDeployment } from './plan/planner.ts'
import { RepositoriesFileError } from './plan/repositories.ts'
import { addUrlSecrets, takeSecretWarnings } from './secrets/masking.ts'
import { openCheckout, type Checkout } from './plan/checkout.ts'
import { prepareHelm } from './tools/helm-tool.ts'
import type { Helm } from './apply/helm.ts'
import { runEngine, type EngineRun } from './engine/run.ts'
import { notRun } from './engine/outcome.ts'
import { previewReportOf, reportPlan, reportResults, reportRunFailure } from './report/report.ts'
import { runWarning } from './report/run-warning.ts'
import { publishersOf, type Publishers } from './github/publishers.ts'
import { onCancel } from './cancel.ts'
import { openDiffBase, type OpenedBase } from './diff-base.ts'
import { asError, errorMessage } from './error-message.ts'
import { runKindOf } from './run-kind.ts'
import type { Result } from './types/results.ts'
import { readPromotionRules } from './promote/read.ts'
import { promote, withPromotionNotes } from './promote/promote.ts'
import { reportPromotions } from './report/promotions.ts'

/** The data path: config → event → scope → changes → plan → helm → engine → promotion → report → publishers. */
export async function run(): Promise<void> {
  const cancellation = onCancel()
  const { signal } = cancellation
  let opened: OpenedBase | undefined
  // Set once publishing started: an error that ends the run must still end it (Deployments).
  let publishers: Publishers | undefined
  try {
    const config = readConfig()
    const event = readEvent()
    const api = createApi(config.githubToken, event, signal)
    const scope = await resolveScope(event, api, config)
    const changes =
      scope.kind === 'diff'
        ? await detectChanges(scope, event, config.workspace, api, signal)
        : undefined
    // Opened once, when first asked for: the planner and promotion read the same commit.
    let opening: Promise<Checkout> | undefined
    const checkout = (): Promise<Checkout> =>
      (opening ??= openCheckout(config.workspace, event.sha))
    const plan = await planDeployment({
      config,
      scope,
      changes,
      runKind: runKindOf(event, config, scope),
      openCheckout: checkout,
      sha: event.sha
    })
    for (const { problem } of plan.problems) problem.leakedUrls?.forEach(addUrlSecrets)
    // Like the defaults file, a problem in the promotions file stops the run before any cluster.
    const rules = scope.kind === 'none' ? [] : readPromotionRules(await checkout(), config)
    reportPlan(plan, scope, changes)
    const helm =
      plan.setups.length > 0 ? await prepareHelm(config, signal).catch(asError) : undefined
    const preview = plan.runKind.kind === 'preview'
    // A preview compares with its diff base, whose files are opened once for every plan.
    if (preview && helm !== undefined && !(helm instanceof Error))
      opened = await openDiffBase({ scope, changes, plan, config, api, signal })
    publishers = publishersOf({ plan, config, api, workflow: event.workflow })
    await publishers.start()
    const deployed = await resultsOf(helm, {
      plan,
      config,
      run: event.workflow.runId?.toString(),
      signal,
      base: opened?.base
    })
    const promoted = await promote({
      rules,
      plan,
      results: deployed,
      scope,
      cancelled: signal.aborted,
      config,
      ref: event.ref,
      workflow: event.workflow,
      api,
      checkout,
      signal
    })
    const results = withPromotionNotes(deployed, promoted)
    const previewReport = preview ? previewReportOf(opened?.base, event.workflow.runUrl) : undefined
    await reportResults(plan, results, signal.aborted, previewReport)
    await reportPromotions(promoted)
    await publishers.finish({
      kind: 'finished',
      plan,
      results,
      cancelled: signal.aborted,
      preview: previewReport
    })
  } catch (error) {
    if (error instanceof RepositoriesFileError) error.leakedUrls.forEach(addUrlSecrets)
    await reportRunFailure(errorMessage(error))
    await publishers?.finish({ kind: 'stopped' })
  } finally {
    for (const warning of takeSecretWarnings()) runWarning(warning)
    await opened?.dispose()
    cancellation.dispose()
  }
}

/** The engine's results; without helm no plan can run, but every affected plan still gets one. */
async function resultsOf(
  helm: Helm | Error | undefined,
  run: Omit<EngineRun, 'helm'>
): Promise<Result[]> {
  if (helm === undefined) return []
  if (!(helm instanceof Error)) return runEngine({ ...run, helm })
  return run.plan.setups.flatMap((setup) =>
    setup.steps.map((step) =>
      run.signal.aborted
        ? notRun(step, 'skipped', 'not run: the run was cancelled')
        : notRun(step, 'failed', helm.message)
    )
  )
}
