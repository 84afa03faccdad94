import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as core from '@actions/core'
import { addUrlSecrets } from '../secrets/masking.ts'
import { PlanLog } from '../report/plan-log.ts'
import type { Config } from '../types/config.ts'
import type { DiffBase } from '../types/diff-base.ts'
import type { DeploymentPlan, PlannedStep, RunKindName, SetupPlan } from '../types/plan.ts'
import type { Result } from '../types/results.ts'
import { ChartResolver } from '../apply/charts.ts'
import { childEnv, type Helm } from '../apply/helm.ts'
import { enginePorts } from '../apply/helm-port.ts'
import { fetchKubeconfig } from '../cluster/kubeconfig-store.ts'
import { ValuesFiles } from '../secrets/sops-values.ts'
import { createWorkdir, type Workdir } from '../apply/workdir.ts'
import { connectCluster, type KubeClient } from '../cluster/client.ts'
import { commitFolders } from '../plan/checkout.ts'
import { act, type ActContext } from './act.ts'
import { DiffBudget, type RenderSide } from './preview.ts'
import { decide, type DecideInput } from './decide.ts'
import { liveDrift, observeLive, orphanScope, orphanSteps } from './drift.ts'
import { planDigest } from './marker.ts'
import { observeReleases, type Observed } from './observe.ts'
import { releaseKey } from '../types/plan.ts'
import { runInOrder } from './order.ts'
import { notRun } from './outcome.ts'
import { mapLimited } from './pool.ts'
import { runWaves, type HeldCluster } from './waves.ts'
import type { EnginePorts, HelmPort } from './ports.ts'
import { errorMessage } from '../error-message.ts'

// Setups in parallel (up to `parallel`); within a setup the releases are observed
// once, each plan decided, then uninstalls and then installs/upgrades run, up to
// `parallel-plans` at once in the order `needs` gives. fail-fast and cancellation
// stop what has not started. A deploy runs its setups wave after wave (waves.ts). A drift check is a run kind of the same engine: its
// plans are decided and acted on the same way, then its orphans, as uninstall steps.

export interface EngineRun {
  readonly plan: DeploymentPlan
  readonly config: Config
  readonly helm: Helm
  /** The workflow run's id (GITHUB_RUN_ID), written into the marker. */
  readonly run: string | undefined
  readonly signal: AbortSignal
  /** A preview's diff base; absent when the preview renders head alone. */
  readonly base?: DiffBase
  /** helm and hooks as the engine calls them; the real binary and scripts unless a test fakes them. */
  readonly ports?: EnginePorts
}

/** Shared by every setup of the run: the first failure, for fail-fast. */
interface RunState {
  firstFailure?: string
}

export interface Shared extends EngineRun {
  /** The plan's run kind, by name (the plan holds what else the kind needs). */
  readonly runKind: RunKindName
  readonly ports: Required<EnginePorts>
  readonly workdir: Workdir
  readonly charts: ChartResolver
  readonly values: ValuesFiles
  readonly state: RunState
  readonly baseSide: ActContext['base']
  /** helm's environment before a setup's kubeconfig is added. */
  readonly baseEnv: NodeJS.ProcessEnv
}

/** What one setup's observed releases and cluster give a step. */
export interface StepContext {
  readonly shared: Shared
  readonly act: ActContext
  /** Undefined only in a preview, which never asks the cluster. */
  readonly observed: Observed | undefined
  /** The API client (a drift check reads live objects through it). */
  readonly client: KubeClient | undefined
}

function isDrift(kind: RunKindName): kind is 'drift-report' | 'drift-correct' {
  return kind === 'drift-report' || kind === 'drift-correct'
}

/** The outcome a step's log group is titled with. */
function outcomeOf(runKind: RunKindName, result: Result): string {
  if (!isDrift(runKind)) {
    const health = result.health ? `, ${result.health}` : ''
    return `${result.operation ?? 'plan'} ${result.status}${health}`
  }
  if (result.drift?.state !== 'orphan') return `drift ${result.drift?.state ?? result.status}`
  return result.operation === 'uninstall' && result.status === 'succeeded'
    ? 'orphan uninstalled'
    : `orphan ${result.status === 'unchanged' ? 'reported' : result.status}`
}

export async function runEngine(run: EngineRun): Promise<Result[]> {
  if (run.plan.setups.length === 0) return []
  return withShared(run, async (shared) => {
    // A push deploys what it changed and a preview renders every chart: their
    // repositories are set up while the store and clusters are read. A re-sync or drift
    // check mostly finds nothing to deploy and sets up only what a plan asks for.
    if (shared.runKind === 'deploy' || shared.runKind === 'preview')
      shared.charts.warm(
        run.plan.setups.flatMap((setup) =>
          setup.steps.flatMap((step) => (step.action === 'apply' ? [step.spec.chart] : []))
        )
      )
    // Only what writes to clusters rolls out in waves; previews and drift checks run at once.
    if (shared.runKind === 'deploy' || shared.runKind === 'resync')
      return runWaves(shared, (setup, hold) => runSetup(setup, shared, hold))
    const perSetup = await mapLimited(run.plan.setups, run.config.parallel, (setup) =>
      runSetup(setup, shared)
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
async function withShared<T>(run: EngineRun, use: (shared: Shared) => Promise<T>): Promise<T> {
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
    run.plan.runKind.kind === 'preview'
      ? childEnv({ ...workdir.helmEnv, KUBECONFIG: join(workdir.root, 'no-kubeconfig') })
      : childEnv(workdir.helmEnv)
  const given = run.ports ?? enginePorts(run.helm)
  // Commits' files, written once a run when first asked: the deployed commit's for its
  // local charts, the base commit's for a removed plan's uninstall hooks.
  const commitFiles =
    given.commits ?? commitFolders(run.config.workspace, join(workdir.root, 'commits'))
  const charts = new ChartResolver(
    given.helm,
    run.plan.repositories,
    run.config.workspace,
    { env: baseEnv, signal: run.signal },
    () => commitFiles(run.plan.sha)
  )
  // The base renders with its own repositories file and from its own files.
  const base = run.plan.runKind.kind === 'preview' ? run.base : undefined
  const baseSide: ActContext['base'] = base && {
    diffBase: base,
    side: base.kind === 'commit' ? baseSideOf(base, run, given.helm, workdir, baseEnv) : undefined,
    budget: new DiffBudget()
  }
  const values = new ValuesFiles({
    config: run.config,
    dir: workdir.valuesDir,
    signal: run.signal
  })
  const shared: Shared = {
    ...run,
    runKind: run.plan.runKind.kind,
    ports: {
      ...given,
      cluster: given.cluster ?? { connect: (setup) => clusterOf(setup, shared) },
      commits: commitFiles
    },
    workdir,
    charts,
    values,
    state: {},
    baseEnv,
    baseSide
  }
  return shared
}

function baseSideOf(
  base: Extract<DiffBase, { kind: 'commit' }>,
  run: EngineRun,
  helm: HelmPort,
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
    charts: new ChartResolver(helm, base.repositories, base.root, { env, signal: run.signal })
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
function actContextOf(shared: Shared, cluster?: ActContext['cluster']): ActContext {
  return {
    helm: shared.ports.helm,
    hooks: shared.ports.hooks,
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
    commitFiles: shared.ports.commits,
    ...(cluster && { cluster })
  }
}

/** With `hold`, the setup's cluster is handed over for the wave's soak instead of closed. */
async function runSetup(
  setup: SetupPlan,
  shared: Shared,
  hold?: (held: HeldCluster) => void
): Promise<Result[]> {
  const stop = stopReason(shared)
  if (stop) return setup.steps.map((step) => notRun(step, 'skipped', stop))
  if (shared.runKind === 'preview')
    return runSteps(setup, {
      shared,
      act: actContextOf(shared),
      observed: undefined,
      client: undefined
    })
  const drift = isDrift(shared.runKind)
  let cluster: { kubeconfig: string; client: KubeClient | undefined }
  try {
    cluster = await shared.ports.cluster.connect(setup.setup)
    if (!cluster.client && drift)
      throw new Error(
        `setup ${setup.setup}: a drift check reads the live objects through the API server, and no client could be built from its kubeconfig`
      )
  } catch (error) {
    return setupFailed(setup, shared, error, 'kubeconfig unavailable')
  }
  const act = actContextOf(shared, cluster)
  try {
    const orphans = drift ? orphanScope(setup, shared) : undefined
    const observed = await observeReleases(
      setup.steps,
      { helm: shared.ports.helm, env: act.env, signal: shared.signal, client: cluster.client },
      orphans?.namespaces
    )
    core.info(`Releases of setup ${setup.setup}: ${observed.how}`)
    // Where listing failed, marking would fail too: the description tells the next run.
    // A health check reads other objects: it keeps the client.
    const marking = observed.viaApi
      ? cluster
      : { ...cluster, client: undefined, reader: cluster.client }
    const context: StepContext = {
      shared,
      act: {
        ...act,
        cluster: marking,
        // A correction reads its objects back the way the check read them.
        ...(drift && { liveDrift: (step, log) => liveDrift(step, context, log) })
      },
      observed,
      client: cluster.client
    }
    const results = await runSteps(setup, context)
    if (!orphans) return results
    // Orphans are planned once the plans ran: uninstalls the same scheduler runs.
    const found = orphanSteps(setup.setup, observed, orphans)
    return [
      ...results,
      ...(await runSteps(
        { ...setup, steps: found.steps },
        { ...context, observed: found.observed }
      ))
    ]
  } catch (error) {
    return setupFailed(setup, shared, error, 'setup failed')
  } finally {
    if (hold) hold({ setup: setup.setup, env: act.env, client: cluster.client })
    else await cluster.client?.close()
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

async function runSteps(setup: SetupPlan, context: StepContext): Promise<Result[]> {
  const { shared } = context
  const runStep = (step: PlannedStep): Promise<Result> => stepOf(step, context)
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
async function stepOf(step: PlannedStep, context: StepContext): Promise<Result> {
  const { shared } = context
  const stop = stopReason(shared)
  if (stop) return notRun(step, 'skipped', stop)
  const log = new PlanLog(title(step))
  for (const why of step.reasons) log.line(`Affected: ${why}`)
  const observeError = context.observed?.errors.get(releaseKey(step.target))
  let result: Result
  try {
    if (observeError) throw new Error(observeError)
    result = await engineStep(step, context, log)
  } catch (error) {
    result = notRun(step, 'failed', errorMessage(error))
    log.line(`✖ ${result.error ?? ''}`)
  }
  log.flush(outcomeOf(shared.runKind, result))
  if (result.status === 'failed') shared.state.firstFailure ??= step.target.plan
  return result
}

/**
 * Every run kind: the one decision, acted on. A drift check's decision may first ask
 * observe for the live cluster (objects, an orphan's scope); then it is decided again.
 */
async function engineStep(step: PlannedStep, context: StepContext, log: PlanLog): Promise<Result> {
  const { shared } = context
  const { runKind, config } = shared
  // A deploy's decision compares digests, and a correction's the quarantined one; a
  // drift report reads the files of none.
  const digest =
    step.action === 'apply' &&
    (runKind === 'deploy' || runKind === 'resync' || runKind === 'drift-correct')
      ? await stepDigest(step, shared)
      : undefined
  const drift = isDrift(runKind)
    ? { commit: shared.plan.sha, prune: config.prune, ownershipKey: config.ownershipKey }
    : undefined
  const input: DecideInput = {
    step,
    observation: context.observed?.observations.get(releaseKey(step.target)),
    runKind,
    digest,
    now: Date.now(),
    pendingGraceMs: config.pendingGraceMs,
    run: shared.run,
    retryQuarantined: config.retryQuarantined,
    ...(drift && { drift })
  }
  let decision = decide(input)
  if (decision.kind === 'observe-live' && drift) {
    for (const note of decision.notes) log.line(note)
    const live = await observeLive(step, decision.what, context, log)
    decision = decide({ ...input, drift: { ...drift, live } })
  }
  if (decision.kind === 'observe-live')
    throw new Error(`internal error: ${decision.what} asked twice for ${title(step)}`)
  const applied =
    digest ??
    (decision.kind === 'apply' && step.action === 'apply'
      ? await stepDigest(step, shared)
      : undefined)
  return act(step, decision, applied, context.act, log)
}

async function stepDigest(
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
async function clusterOf(
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
