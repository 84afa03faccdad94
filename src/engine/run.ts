import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as core from '@actions/core'
import { addUrlSecrets } from '../secrets/masking.ts'
import { PlanLog } from '../report/plan-log.ts'
import type {
  Config,
  DeploymentPlan,
  DiffBase,
  PlannedStep,
  Result,
  RunKindName,
  SetupPlan
} from '../types.ts'
import { ChartResolver } from '../apply/charts.ts'
import { childEnv, type Helm } from '../apply/helm.ts'
import { fetchKubeconfig } from '../apply/kubeconfig-store.ts'
import { ValuesFiles } from '../apply/sops-values.ts'
import { createWorkdir, type Workdir } from '../apply/workdir.ts'
import { connectCluster, type KubeClient } from '../cluster/client.ts'
import { commitFolders } from '../plan/checkout.ts'
import { act, type ActContext } from './act.ts'
import { DiffBudget, type RenderSide } from './preview.ts'
import { decide } from './decide.ts'
import { planDigest } from './marker.ts'
import { observeReleases, type Observed } from './observe.ts'
import { releaseKey } from '../types.ts'
import { runInOrder } from './order.ts'
import { notRun } from './outcome.ts'
import { mapLimited } from './pool.ts'
import { errorMessage } from '../error-message.ts'

// Setups in parallel (up to `parallel`); within a setup the releases are observed
// once, each plan decided, then uninstalls and then installs/upgrades run, up to
// `parallel-plans` at once in the order `needs` gives. fail-fast and cancellation
// stop what has not started. A drift check runs through the same scheduler with
// its own work a step (see SetupWork).

export interface EngineRun {
  readonly plan: DeploymentPlan
  readonly config: Config
  readonly helm: Helm
  /** The plan's run kind (the plan holds what else the kind needs). */
  readonly runKind: RunKindName
  /** The workflow run's id (GITHUB_RUN_ID), written into the marker. */
  readonly run: string | undefined
  readonly signal: AbortSignal
  /** A preview's diff base; absent when the preview renders head alone. */
  readonly base?: DiffBase
}

/** Shared by every setup of the run: the first failure, for fail-fast. */
interface RunState {
  firstFailure?: string
}

export interface Shared extends EngineRun {
  readonly workdir: Workdir
  readonly charts: ChartResolver
  readonly values: ValuesFiles
  readonly state: RunState
  readonly baseSide: ActContext['base']
  /** helm's environment before a setup's kubeconfig is added. */
  readonly baseEnv: NodeJS.ProcessEnv
  readonly commitFiles: ActContext['commitFiles']
}

/** What one setup's observed releases and cluster give a step's work. */
export interface StepContext {
  readonly shared: Shared
  readonly act: ActContext
  /** Undefined only in a preview, which never asks the cluster. */
  readonly observed: Observed | undefined
  /** The API client (a drift check reads live objects through it). */
  readonly client: KubeClient | undefined
}

/**
 * What a run does with each step of a setup, once the scheduler decided it may start:
 * a deploy decides and acts; a drift check compares (and may correct). Ordering,
 * fail-fast, cancellation and the logs are the scheduler's, the same for both.
 */
export interface SetupWork {
  readonly step: (step: PlannedStep, context: StepContext, log: PlanLog) => Promise<Result>
  /** The outcome the step's log group is titled with. */
  readonly outcome: (result: Result) => string
  /** Why the setup cannot run without an API client, if it cannot (helm alone serves a deploy). */
  readonly needsClient?: (setup: string) => string
  /** Run after the setup's steps, with the same context (a drift check's orphans). */
  readonly after?: (setup: SetupPlan, context: StepContext) => Promise<Result[]>
}

const DEPLOY: SetupWork = {
  step: deployStep,
  outcome: (result) =>
    result.status === 'failed'
      ? `${result.operation ?? 'plan'} failed`
      : `${result.operation ?? 'plan'} ${result.status}`
}

export async function runEngine(run: EngineRun, work: SetupWork = DEPLOY): Promise<Result[]> {
  if (run.plan.setups.length === 0) return []
  return withShared(run, async (shared) => {
    const perSetup = await mapLimited(run.plan.setups, run.config.parallel, (setup) =>
      runSetup(setup, shared, work)
    )
    return perSetup.flat()
  })
}

/**
 * Runs `use` with what every setup shares, then removes the run's folder: the
 * kubeconfigs and decrypted values are gone when the action's step ends, before any
 * later step of the job (another action's included) could read them. The post step
 * only catches a main step killed before this.
 */
export async function withShared<T>(
  run: EngineRun,
  use: (shared: Shared) => Promise<T>
): Promise<T> {
  const shared = sharedOf(run)
  try {
    return await use(shared)
  } finally {
    await shared.workdir.remove()
  }
}

/** What every setup of a run shares: the work folder, helm's environment, the chart cache. */
function sharedOf(run: EngineRun): Shared {
  const workdir = createWorkdir()
  // A preview gets no KUBECONFIG at all: helm template must not reach for a cluster.
  const baseEnv =
    run.runKind === 'preview'
      ? childEnv({ ...workdir.helmEnv, KUBECONFIG: join(workdir.root, 'no-kubeconfig') })
      : childEnv(workdir.helmEnv)
  const charts = new ChartResolver(run.helm, run.plan.repositories, run.config.workspace, {
    env: baseEnv,
    signal: run.signal
  })
  // The base renders with its own repositories file and from its own files.
  const base = run.runKind === 'preview' ? run.base : undefined
  const baseSide: ActContext['base'] = base && {
    diffBase: base,
    side: base.kind === 'commit' ? baseSideOf(base, run, workdir, baseEnv) : undefined,
    budget: new DiffBudget()
  }
  const values = new ValuesFiles({
    config: run.config,
    dir: workdir.valuesDir,
    signal: run.signal
  })
  // A removed plan's uninstall hooks run among the base commit's files: written once, when one runs.
  const commitFiles = commitFolders(run.config.workspace, join(workdir.root, 'commits'))
  return { ...run, workdir, charts, values, state: {}, baseEnv, baseSide, commitFiles }
}

function baseSideOf(
  base: Extract<DiffBase, { kind: 'commit' }>,
  run: EngineRun,
  workdir: Workdir,
  headEnv: NodeJS.ProcessEnv
): RenderSide {
  const env = {
    ...headEnv,
    HELM_REPOSITORY_CONFIG: join(workdir.root, 'helm', 'base-repositories.yaml'),
    HELM_REPOSITORY_CACHE: join(workdir.root, 'helm', 'base-cache')
  }
  return {
    root: base.root,
    env,
    charts: new ChartResolver(run.helm, base.repositories, base.root, { env, signal: run.signal })
  }
}

/** Why a step must not start now, if it must not. */
function stopReason(shared: Shared): string | undefined {
  if (shared.signal.aborted) return 'not run: the run was cancelled'
  if (shared.config.failFast && shared.state.firstFailure)
    return `not run: fail-fast after ${shared.state.firstFailure} failed`
  return undefined
}

/** What act() gets for one setup: the run's shared parts and, outside a preview, the cluster. */
export function actContextOf(shared: Shared, cluster?: ActContext['cluster']): ActContext {
  return {
    helm: shared.helm,
    config: shared.config,
    sha: shared.plan.sha,
    run: shared.run,
    env: cluster
      ? childEnv({ ...shared.workdir.helmEnv, KUBECONFIG: cluster.kubeconfig })
      : shared.baseEnv,
    charts: shared.charts,
    values: shared.values,
    signal: shared.signal,
    base: shared.baseSide,
    scratch: shared.workdir.root,
    commitFiles: shared.commitFiles,
    ...(cluster && { cluster })
  }
}

async function runSetup(setup: SetupPlan, shared: Shared, work: SetupWork): Promise<Result[]> {
  const stop = stopReason(shared)
  if (stop) return setup.steps.map((step) => notRun(step, 'skipped', stop))
  if (shared.runKind === 'preview')
    return runSteps(
      setup,
      { shared, act: actContextOf(shared), observed: undefined, client: undefined },
      work
    )
  let cluster: { kubeconfig: string; client: KubeClient | undefined }
  try {
    cluster = await clusterOf(setup.setup, shared)
    if (!cluster.client && work.needsClient) throw new Error(work.needsClient(setup.setup))
  } catch (error) {
    return setupFailed(setup, shared, error, 'kubeconfig unavailable')
  }
  try {
    const act = actContextOf(shared, cluster)
    const observed = await observeReleases(setup.steps, {
      helm: shared.helm,
      env: act.env,
      signal: shared.signal,
      client: cluster.client
    })
    core.info(`Releases of setup ${setup.setup}: ${observed.how}`)
    // Where listing failed, marking would fail too: the description tells the next run.
    const marking = observed.viaApi ? cluster : { ...cluster, client: undefined }
    const context = { shared, act: { ...act, cluster: marking }, observed, client: cluster.client }
    const results = await runSteps(setup, context, work)
    return work.after ? [...results, ...(await work.after(setup, context))] : results
  } catch (error) {
    return setupFailed(setup, shared, error, 'setup failed')
  } finally {
    await cluster.client?.close()
  }
}

/** Every plan of a setup fails with what stopped the setup as a whole. */
function setupFailed(setup: SetupPlan, shared: Shared, error: unknown, outcome: string): Result[] {
  const message = errorMessage(error)
  const log = new PlanLog(`setup ${setup.setup}`)
  log.line(message)
  log.flush(outcome)
  shared.state.firstFailure ??= setup.setup
  return setup.steps.map((step) => notRun(step, 'failed', message))
}

async function runSteps(
  setup: SetupPlan,
  context: StepContext,
  work: SetupWork
): Promise<Result[]> {
  const { shared } = context
  const runStep = (step: PlannedStep): Promise<Result> => stepOf(step, context, work)
  const uninstalls = setup.steps.filter(
    (s): s is Extract<PlannedStep, { action: 'uninstall' }> => s.action === 'uninstall'
  )
  const applies = setup.steps.filter((s) => s.action === 'apply')
  const hooks = {
    run: runStep,
    ok: (r: Result) =>
      r.status === 'succeeded' || r.status === 'unchanged' || r.status === 'planned',
    notRun: (step: PlannedStep, why: string) => notRun(step, 'skipped', why)
  }
  // Uninstalls first: a removed release frees the names and resources an added one may take.
  // They run in reverse order of needs: a release goes only after every removed one that needed it.
  const removed = await runInOrder(
    uninstalls.map((step) => ({
      key: releaseKey(step.target),
      needs: uninstalls
        .filter((other) => other.needs.includes(releaseKey(step.target)))
        .map((other) => releaseKey(other.target)),
      item: step
    })),
    shared.config.parallelPlans,
    hooks
  )
  const applied = await runInOrder(
    applies.map((step) => ({
      key: releaseKey(step.target),
      needs: step.action === 'apply' ? step.spec.needs : [],
      item: step
    })),
    shared.config.parallelPlans,
    hooks
  )
  return [...removed, ...applied]
}

/** One step as the scheduler runs it: unless stopped, logged, its failure counted for fail-fast. */
export async function stepOf(
  step: PlannedStep,
  context: StepContext,
  work: Pick<SetupWork, 'step' | 'outcome'>
): Promise<Result> {
  const { shared } = context
  const stop = stopReason(shared)
  if (stop) return notRun(step, 'skipped', stop)
  const log = new PlanLog(title(step))
  for (const why of step.reasons) log.line(`Affected: ${why}`)
  const observeError = context.observed?.errors.get(releaseKey(step.target))
  let result: Result
  try {
    if (observeError) throw new Error(observeError)
    result = await work.step(step, context, log)
  } catch (error) {
    result = notRun(step, 'failed', errorMessage(error))
    log.line(`✖ ${result.error ?? ''}`)
  }
  log.flush(work.outcome(result))
  if (result.status === 'failed') shared.state.firstFailure ??= step.target.plan
  return result
}

/** A deploy, re-sync or preview: the one decision, acted on. */
async function deployStep(step: PlannedStep, context: StepContext, log: PlanLog): Promise<Result> {
  const { shared } = context
  const digest =
    step.action === 'apply' && shared.runKind !== 'preview'
      ? await digestOf(step, shared)
      : undefined
  const decision = decide({
    step,
    observation: context.observed?.observations.get(releaseKey(step.target)),
    runKind: shared.runKind,
    digest,
    now: Date.now(),
    pendingGraceMs: shared.config.pendingGraceMs,
    run: shared.run
  })
  return act(step, decision, digest, context.act, log)
}

export async function digestOf(
  step: Extract<PlannedStep, { action: 'apply' }>,
  shared: Shared
): Promise<string> {
  const { spec } = step
  const paths = [...spec.values, ...Object.values(spec.hooks).flat()]
  const files = await Promise.all(paths.map((p) => readFile(join(shared.config.workspace, p))))
  return planDigest({ spec, files, helmArgs: shared.config.helmArgs, sha: shared.plan.sha })
}

export function title(step: PlannedStep): string {
  const { setup, plan } = step.target
  return `${setup} ${releaseKey(step.target)} (${plan})`
}

/** The setup's kubeconfig on disk, and an API client from it (undefined if it cannot be built). */
export async function clusterOf(
  setup: string,
  shared: Shared
): Promise<{ kubeconfig: string; client: KubeClient | undefined }> {
  const { config } = shared
  if (!config.kubeconfigStoreUrl) {
    throw new Error(
      `setup ${setup}: no kubeconfig-store-url (or KUBECONFIG_REPO_URL) is set, so its kubeconfig cannot be fetched`
    )
  }
  const text = await fetchKubeconfig(setup, {
    storeUrl: config.kubeconfigStoreUrl,
    ca: config.kubeconfigStoreCa,
    filename: config.kubeconfigFilename,
    signal: shared.signal,
    timeoutMs: config.storeTimeoutMs,
    attempts: config.storeAttempts
  })
  const kubeconfig = shared.workdir.writeKubeconfig(setup, text)
  core.info(`Kubeconfig of setup ${setup} fetched from ${addUrlSecrets(config.kubeconfigStoreUrl)}`)
  try {
    return { kubeconfig, client: await connectCluster(text, kubeconfig, shared.signal) }
  } catch (error) {
    core.info(`Setup ${setup}: releases are read through helm (${errorMessage(error)})`)
    return { kubeconfig, client: undefined }
  }
}
