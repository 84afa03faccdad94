import * as core from '@actions/core'
import { addUrlSecrets } from '../report/masking.ts'
import { PlanLog } from '../report/plan-log.ts'
import type { Config, DeploymentPlan, PlannedStep, Result, SetupPlan } from '../types.ts'
import { ChartResolver } from './charts.ts'
import { childEnv, type Helm } from './helm.ts'
import { fetchKubeconfig } from './kubeconfig-store.ts'
import { mapLimited } from './pool.ts'
import { notRun, runStep } from './step.ts'
import { createWorkdir, type Workdir } from './workdir.ts'

// SPEC §4: setups in parallel (up to `parallel`), one plan at a time within a
// setup in plan order, fail-fast and cancellation stop what has not started.

/** Shared by every setup of the run: the first failure, for fail-fast. */
interface RunState {
  firstFailure?: string
}

export async function execute(
  plan: DeploymentPlan,
  config: Config,
  helm: Helm | undefined,
  signal: AbortSignal
): Promise<Result[]> {
  if (plan.setups.length === 0) return []
  if (!helm) throw new Error('internal error: plans to apply but no helm prepared')
  const workdir = createWorkdir()
  const charts = new ChartResolver(helm, plan.repositories, config.workspace, {
    env: childEnv(workdir.helmEnv),
    signal
  })
  const state: RunState = {}
  const perSetup = await mapLimited(plan.setups, config.parallel, (setup) =>
    runSetup(setup, { plan, config, helm, signal, workdir, charts, state })
  )
  return perSetup.flat()
}

interface RunContext {
  readonly plan: DeploymentPlan
  readonly config: Config
  readonly helm: Helm
  readonly signal: AbortSignal
  readonly workdir: Workdir
  readonly charts: ChartResolver
  readonly state: RunState
}

/** Why a step must not start now, if it must not. */
function stopReason(context: RunContext): string | undefined {
  if (context.signal.aborted) return 'not run: the run was cancelled'
  if (context.config.failFast && context.state.firstFailure) {
    return `not run: fail-fast after ${context.state.firstFailure} failed`
  }
  return undefined
}

async function runSetup(setup: SetupPlan, context: RunContext): Promise<Result[]> {
  const { config } = context
  const stop = stopReason(context)
  if (stop) return setup.steps.map((step) => notRun(step, 'skipped', stop))

  let kubeconfig: string
  try {
    kubeconfig = await kubeconfigOf(setup.setup, context)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const log = new PlanLog(`setup ${setup.setup}`)
    log.line(message)
    log.flush('kubeconfig unavailable')
    context.state.firstFailure ??= setup.setup
    return setup.steps.map((step) => notRun(step, 'failed', message))
  }

  const setupContext = {
    helm: context.helm,
    config,
    sha: context.plan.sha,
    kubeconfig,
    env: childEnv({ ...context.workdir.helmEnv, KUBECONFIG: kubeconfig }),
    charts: context.charts,
    signal: context.signal,
    resync: context.plan.resync
  }
  const results: Result[] = []
  for (const step of setup.steps) {
    const reason = stopReason(context)
    if (reason) {
      results.push(notRun(step, 'skipped', reason))
      continue
    }
    const log = new PlanLog(title(step))
    for (const why of step.reasons) log.line(`Affected: ${why}`)
    const result = await runStep(step, setupContext, log)
    log.flush(
      result.status === 'failed'
        ? `${result.operation} failed`
        : `${result.operation} ${result.status}`
    )
    if (result.status === 'failed') context.state.firstFailure ??= step.target.plan
    results.push(result)
  }
  return results
}

function title(step: PlannedStep): string {
  const { setup, namespace, release, plan } = step.target
  return `${setup} ${namespace}/${release} (${plan})`
}

async function kubeconfigOf(setup: string, context: RunContext): Promise<string> {
  const { config } = context
  if (!config.kubeconfigStoreUrl) {
    throw new Error(
      `setup ${setup}: no kubeconfig-store-url (or KUBECONFIG_REPO_URL) is set, so its kubeconfig cannot be fetched`
    )
  }
  const text = await fetchKubeconfig(setup, {
    storeUrl: config.kubeconfigStoreUrl,
    ca: config.kubeconfigStoreCa,
    filename: config.kubeconfigFilename,
    signal: context.signal
  })
  const path = context.workdir.writeKubeconfig(setup, text)
  core.info(`Kubeconfig of setup ${setup} fetched from ${addUrlSecrets(config.kubeconfigStoreUrl)}`)
  return path
}
