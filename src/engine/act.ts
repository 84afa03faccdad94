import type { Config } from '../types/config.ts'
import type { PlannedStep, PlanSpec } from '../types/plan.ts'
import type { ObjectDrift, Result } from '../types/results.ts'
import type { PlanLog } from '../report/plan-log.ts'
import { chartYamlOf, DependencyError } from '../apply/dependencies.ts'
import {
  releaseOptionArgs,
  serverSideFlag,
  serverSideInEffect,
  translateUserArgs
} from '../apply/helm-args.ts'
import { hookEnv, type HookRun } from '../apply/hooks.ts'
import { setValuesFiles } from '../apply/run-files.ts'
import type { ValuesFiles } from '../secrets/sops-values.ts'
import type { KubeClient } from '../cluster/client.ts'
import { recheck, type Decision, type Drift, type Recovery } from './decide.ts'
import { hooksFailedLabel, LABELS, markerLabels, releaseDescription } from './marker.ts'
import { resultOf, type OutcomeFields } from '../report/results.ts'
import { withDrift } from './outcome.ts'
import { knownChartVersion } from './chart-version.ts'
import { applyOutput, parseApplied, parseRelease } from './helm-output.ts'
import { previewApply, previewUninstall, type PreviewContext } from './preview.ts'
import { optionsNote } from './options-note.ts'
import { ownershipSignature } from './ownership.ts'
import { labelRevision } from './revision-labels.ts'
import type { Charts, HelmCall, HelmPort, HooksPort } from './ports.ts'
import { releaseTest } from './release-test.ts'
import { healthGate, healthReader, undoFailedHelm } from './health-gate.ts'
import type { Health } from '../types/health.ts'
import {
  crdsAfterHelm,
  crdsBeforeHelm,
  exactVersion,
  type CrdContext,
  type CrdStep
} from './crds.ts'
import { errorMessage } from '../error-message.ts'

// The one interpreter of decisions: helm, hooks and `helm template`, for
// deploys, re-syncs, previews and drift checks alike.

export interface ActContext {
  readonly helm: HelmPort
  readonly hooks: HooksPort
  readonly config: Config
  readonly sha: string
  /** The workflow run, written into the marker. */
  readonly run: string | undefined
  /** Absent in a preview: no cluster, no hooks. */
  readonly cluster?: {
    readonly kubeconfig: string
    /** Reads and marks the release's Secrets; undefined where they could not be listed. */
    readonly client: KubeClient | undefined
    /** Reads the release's objects (health) where `client` is withheld from marking. */
    readonly reader?: KubeClient
  }
  /** helm's and hooks' environment. */
  readonly env: NodeJS.ProcessEnv
  readonly charts: Charts
  /** The values files as helm gets them (SOPS files decrypted, or redacted in a preview). */
  readonly values: ValuesFiles
  readonly signal: AbortSignal
  /** A preview's diff base, and how its side renders (undefined when it has none). */
  readonly base?: PreviewContext['base']
  /** The run's private folder: `set:` values files. */
  readonly scratch: string
  /** A commit's files, written once a run into a private folder: where a removed plan's hooks run. */
  readonly commitFiles: (sha: string) => Promise<string>
  /** A drift check's live comparison of a plan's release: the objects that differ. */
  readonly liveDrift?: (step: PlannedStep, log: PlanLog) => Promise<readonly ObjectDrift[]>
}

export async function act(
  step: PlannedStep,
  decision: Decision,
  digest: string | undefined,
  context: ActContext,
  log: PlanLog
): Promise<Result> {
  const result = await carryOut(step, decision, digest, context, log)
  const drift = 'drift' in decision ? decision.drift : undefined
  if (!drift) return result
  if (decision.kind === 'apply' && decision.reclaim && result.status === 'succeeded')
    return checkCorrection(step, result, drift, context, log)
  // What a drift check found stays on the result; it corrected only what succeeded.
  return withDrift(result, { ...drift, corrected: result.status === 'succeeded' })
}

/** helm said done: the objects are read back, and only what no longer differs is corrected. */
async function checkCorrection(
  step: PlannedStep,
  result: Result,
  found: Drift,
  context: ActContext,
  log: PlanLog
): Promise<Result> {
  if (!context.liveDrift) throw new Error('internal error: a correction without a live comparison')
  log.line('Reading the corrected objects back')
  let checked
  try {
    checked = recheck(await context.liveDrift(step, log), context.helm.major, context.sha)
  } catch (error) {
    checked = {
      corrected: false,
      drift: found,
      error: `helm re-applied the release, and its objects could not be read back: ${errorMessage(error)}`
    } as const
  }
  if (checked.corrected) return withDrift(result, { ...found, corrected: true })
  const notCorrected = resultOf(step, {
    ...result,
    status: 'failed',
    error: checked.error
  })
  log.line(`✖ ${notCorrected.error ?? ''}`)
  return withDrift(notCorrected, { ...checked.drift, corrected: false })
}

async function carryOut(
  step: PlannedStep,
  decision: Decision,
  digest: string | undefined,
  context: ActContext,
  log: PlanLog
): Promise<Result> {
  const started = performance.now()
  const done = (result: Result): Result => ({
    ...result,
    durationMs: Math.round(performance.now() - started)
  })
  switch (decision.kind) {
    case 'unchanged':
      log.line(decision.note)
      return resultOf(step, {
        operation: decision.operation,
        status: 'unchanged',
        revision: decision.revision,
        notes: [decision.note]
      })
    case 'leave':
      log.line(decision.note)
      return resultOf(step, { operation: null, status: 'skipped', notes: [decision.note] })
    case 'report':
      if (decision.line !== undefined) log.line(decision.line)
      return resultOf(step, {
        operation: null,
        status: 'unchanged',
        revision: decision.revision,
        notes: decision.notes
      })
    case 'retry-hooks':
      if (step.action !== 'apply' || digest === undefined) break
      return done(await retryHooks(step, step.spec, decision, digest, context, log))
    case 'refuse':
      log.line(`✖ ${decision.reason}`)
      return resultOf(step, {
        operation: decision.operation,
        status: decision.status,
        ...(decision.status === 'failed'
          ? { error: decision.reason }
          : { notes: [decision.reason] })
      })
    case 'plan-uninstall':
      return done(await previewUninstall(step, previewContext(context), log))
    case 'render':
      if (step.action !== 'apply') break
      return done(await previewApply(step, previewContext(context), log))
    case 'uninstall':
      return done(await uninstall(step, context, log))
    case 'apply':
      if (step.action !== 'apply' || digest === undefined) break
      return done(await apply(step, step.spec, decision, digest, context, log))
  }
  throw new Error(`internal error: decision ${decision.kind} does not fit a ${step.action} step`)
}

function helmContext(context: ActContext, log: PlanLog): HelmCall {
  return { env: context.env, signal: context.signal, onLine: log.onStderr }
}

function failed(
  step: PlannedStep,
  error: unknown,
  log: PlanLog,
  fields: Omit<OutcomeFields, 'status'>
): Result {
  // A chart whose dependencies cannot be built is an error on the plan's `chart` line.
  const line =
    error instanceof DependencyError && step.action === 'apply' ? step.spec.chartLine : undefined
  const result = resultOf(step, {
    ...fields,
    status: 'failed',
    error: errorMessage(error),
    ...(line !== undefined ? { line } : {})
  })
  log.line(`✖ ${result.error ?? ''}`)
  return result
}

async function recover(
  step: PlannedStep,
  recovery: Recovery,
  context: ActContext,
  log: PlanLog
): Promise<string> {
  const { target } = step
  if (recovery.kind === 'rollback') {
    log.line(`Recovering: ${recovery.reason}; rolling back to revision ${recovery.to}`)
    await context.helm.rollback(target, recovery.to, helmContext(context, log))
    return `recovered: ${recovery.reason}, rolled back to revision ${recovery.to}`
  }
  log.line(`Recovering: ${recovery.reason}; uninstalling it`)
  await context.helm.uninstall(target, helmContext(context, log))
  return `recovered: ${recovery.reason}, uninstalled it first`
}

async function apply(
  step: PlannedStep,
  spec: PlanSpec,
  decision: Extract<Decision, { kind: 'apply' }>,
  digest: string,
  context: ActContext,
  log: PlanLog
): Promise<Result> {
  const { helm, config } = context
  const { target } = step
  const op = decision.operation
  const said = optionsNote(spec.options)
  const notes = [...decision.notes, ...(said ? [said] : [])]
  const warnings: string[] = []
  let version = spec.version ?? ''
  let revision: number | null = null
  let health: Health | null = null
  /** Set while helm runs: a failed install or upgrade may still warn about the chart's CRDs. */
  let crdsIfHelmFails: CrdsAround | undefined
  try {
    if (!context.cluster) throw new Error('internal error: a deploy without a cluster')
    if (spec.options.health.enable && !healthReader(context))
      throw new Error(
        `the plan is health-checked, which reads its objects through the API server, and no API client could be built from the kubeconfig of setup ${target.setup}; nothing was applied`
      )
    if (decision.recover) notes.push(await recover(step, decision.recover, context, log))
    log.started(`${op} ${spec.chartText}${spec.version ? `@${spec.version}` : ''}`)
    const chart = await context.charts.resolve(spec.chart, {
      signal: context.signal,
      onLine: log.onStderr
    })
    // Before any hook or helm: every decrypted value is registered as a secret first.
    const values = await context.values.forDeploy(spec.values)
    const hookRun = hookRunOf(step, spec.chartText, version, op, context, log)
    try {
      await context.hooks.run(`pre-${op}`, spec.hooks[`pre-${op}`], hookRun)
    } catch (error) {
      throw new Error(`${errorMessage(error)}; helm ${op} was not run`, { cause: error })
    }
    const postHookScripts = spec.hooks[`post-${op}`]
    const userArgs =
      decision.reclaim && helm.major === 4
        ? [...config.helmArgs, '--force-conflicts']
        : config.helmArgs
    const applyMethod = await previousApplyMethod(step, op, userArgs, context, log)
    const translated = translateUserArgs(userArgs, helm.major, {
      serverSide: serverSideInEffect(helm.major, op, userArgs, applyMethod)
    })
    // The plan's `set:` values as a file of their own, after its values files.
    const valuesFiles = [
      ...values,
      ...setValuesFiles(context.scratch, step.target, spec.options.set)
    ]
    const crds = crdsAround(
      spec,
      { target, chart, values: valuesFiles, userArgs: translated.args },
      op,
      context,
      log
    )
    notes.push(...(await crdsBeforeHelm(crds.step, crds.context)).notes)
    crdsIfHelmFails = crds
    notes.push(...translated.notes)
    const known = knownChartVersion(
      spec,
      spec.chart.kind === 'local' ? chartYamlOf(chart) : undefined
    )
    const output = applyOutput({
      chartVersion: known === undefined,
      manifest: spec.options.health.enable
    })
    const applied = await helm
      .apply(
        {
          operation: op,
          target,
          chart,
          version: spec.version,
          values: valuesFiles,
          description: releaseDescription(context.sha, target.plan, digest),
          labels: markerLabels({ digest, commit: context.sha, run: context.run }),
          userArgs: translated.args,
          optionArgs: releaseOptionArgs(spec.options, helm.major),
          output
        },
        { ...helmContext(context, log), announce: (command) => log.line(command) }
      )
      .catch(async (error: unknown) => {
        // A health-checked plan's atomic is the action's: helm was not given it.
        const ours = spec.options.health.enable && spec.options.atomic
        if (!ours || context.signal.aborted || step.action !== 'apply') throw error
        const lastDeployed = decision.lastDeployed
        const undone = await undoFailedHelm({ step, op, digest, lastDeployed }, error, context, log)
        notes.push(...undone.notes)
        throw undone.error
      })
    const release = parseApplied(applied, output, target.release)
    revision = release.revision
    version = release.chartVersion ?? known ?? version
    log.line(`${op} done: revision ${revision ?? '?'}, chart version ${version || '?'}`)
    crdsIfHelmFails = undefined
    const checked = await crdsAfterHelm(crds.step, version, crds.context)
    notes.push(...checked.notes)
    warnings.push(...checked.warnings)

    if (spec.options.health.enable && step.action === 'apply') {
      const gate = await healthGate(
        { step, op, revision, digest, applied, lastDeployed: decision.lastDeployed },
        context,
        log
      )
      health = gate.health
      notes.push(...gate.notes)
      if (gate.error !== undefined) throw new Error(gate.error)
    }

    if (spec.options.test) {
      const tested = await releaseTest(
        target,
        spec.options.test,
        decision.lastDeployed,
        helm,
        helmContext(context, log),
        log
      )
      notes.push(...tested.notes)
      if (!tested.ok) throw new Error(`helm test failed: ${tested.error}`)
    }
    await postHooks(step, { op, revision, digest }, postHookScripts, hookRun, context, notes)
    return resultOf(step, {
      operation: op,
      status: 'succeeded',
      version,
      revision,
      notes,
      health,
      warnings
    })
  } catch (error) {
    if (crdsIfHelmFails) {
      const { step: crdStep, context: crdContext } = crdsIfHelmFails
      warnings.push(...(await crdsAfterHelm(crdStep, version, crdContext, true)).warnings)
    }
    return failed(step, error, log, { operation: op, version, revision, notes, health, warnings })
  }
}

interface CrdsAround {
  readonly step: CrdStep
  readonly context: CrdContext
}

/** The plan's CRD policy around this install or upgrade (engine/crds.ts). */
function crdsAround(
  spec: PlanSpec,
  template: CrdStep['template'],
  operation: 'install' | 'upgrade',
  context: ActContext,
  log: PlanLog
): CrdsAround {
  return {
    step: {
      policy: spec.options.crds,
      operation,
      source: spec.chart,
      template: { ...template, version: spec.version },
      version: exactVersion(spec.version)
    },
    context: {
      helm: context.helm,
      client: context.cluster?.client,
      call: helmContext(context, log),
      signal: context.signal,
      log
    }
  }
}

function hookRunOf(
  step: PlannedStep,
  chart: string,
  version: string,
  operation: 'install' | 'upgrade' | 'uninstall',
  context: ActContext,
  log: PlanLog
): HookRun {
  const { config, cluster } = context
  if (!cluster) throw new Error('internal error: hooks without a cluster')
  return {
    shell: config.shell,
    workspace: config.workspace,
    timeoutMs: config.hookTimeoutMs,
    signal: context.signal,
    onLine: log.onLine,
    env: {
      ...context.env,
      ...hookEnv({
        target: step.target,
        kubeconfig: cluster.kubeconfig,
        helm: context.helm.path,
        chart,
        version,
        operation,
        sha: context.sha
      })
    }
  }
}

/** What helm just made: the operation, its revision (if helm said) and the plan's digest. */
interface DeployedRevision {
  readonly op: 'install' | 'upgrade'
  readonly revision: number | null
  readonly digest: string
}

/**
 * Post-hooks after helm succeeded. Their outcome is recorded on the revision: finished
 * when they pass; when one fails, `hooks-failed` names the operation and revision, so
 * the next run runs them again (and only them) instead of calling the plan unchanged.
 */
async function postHooks(
  step: PlannedStep,
  { op, revision, digest }: DeployedRevision,
  scripts: readonly string[],
  hookRun: HookRun,
  context: ActContext,
  notes: string[]
): Promise<void> {
  try {
    await context.hooks.run(`post-${op}`, scripts, hookRun)
  } catch (error) {
    if (revision !== null && context.cluster?.client) {
      const marked = await labelRevision(
        step.target,
        revision,
        {
          [LABELS.hooksFailed]: hooksFailedLabel(op, revision)
        },
        context
      )
      notes.push(
        marked === undefined
          ? `the next run runs the post-${op} hooks of revision ${revision} again`
          : `the failed post-${op} hook could not be recorded (${marked}): the next run upgrades again`
      )
    }
    throw error
  }
  await markFinished(step, revision, digest, context, notes)
}

async function retryHooks(
  step: PlannedStep,
  spec: PlanSpec,
  decision: Extract<Decision, { kind: 'retry-hooks' }>,
  digest: string,
  context: ActContext,
  log: PlanLog
): Promise<Result> {
  const { operation: op, revision } = decision
  const notes = [decision.note]
  try {
    log.started(`post-${op} hooks of revision ${revision} again`)
    log.line(decision.note)
    const hookRun = hookRunOf(step, spec.chartText, spec.version ?? '', op, context, log)
    await postHooks(
      step,
      { op, revision, digest },
      spec.hooks[`post-${op}`],
      hookRun,
      context,
      notes
    )
    notes.push(`post-${op} hooks succeeded on revision ${revision}`)
    return resultOf(step, { operation: op, status: 'succeeded', revision, notes })
  } catch (error) {
    return failed(step, error, log, { operation: op, revision, notes })
  }
}

/**
 * The revision is marked finished once helm and the post-hooks succeeded, so a run
 * after a failed post-hook (or a revision made by hand) upgrades again. Without API
 * access the mark is not written, and the next run tells by the description alone.
 * With an ownership key the same patch signs the revision: only signed releases are
 * ever pruned.
 */
async function markFinished(
  step: PlannedStep,
  revision: number | null,
  digest: string,
  context: ActContext,
  notes: string[]
): Promise<void> {
  if (!context.cluster?.client || revision === null) return
  const key = context.config.ownershipKey
  const { namespace, release } = step.target
  const failure = await labelRevision(
    step.target,
    revision,
    {
      [LABELS.finished]: String(revision),
      ...(key !== undefined && {
        [LABELS.signature]: ownershipSignature(key, { namespace, release, revision, digest })
      })
    },
    context
  )
  if (failure !== undefined)
    notes.push(
      `deployed, but the release could not be marked finished (${failure}): the next run upgrades it again`
    )
}

/** Only asked when it matters: `--force-conflicts` on a Helm 4 upgrade without an explicit `--server-side`. */
async function previousApplyMethod(
  step: PlannedStep,
  op: 'install' | 'upgrade',
  args: readonly string[],
  context: ActContext,
  log: PlanLog
): Promise<string | undefined> {
  const matters =
    context.helm.major === 4 &&
    op === 'upgrade' &&
    args.some((a) => a.split('=')[0] === '--force-conflicts')
  if (!matters || serverSideFlag(args) !== undefined) return undefined
  const status = await context.helm.status(step.target, helmContext(context, log))
  return parseRelease(status).applyMethod
}

/** A removed plan's `pre-uninstall` hooks, `helm uninstall`, its `post-uninstall` hooks (from the base commit). */
async function uninstall(step: PlannedStep, context: ActContext, log: PlanLog): Promise<Result> {
  try {
    if (step.action !== 'uninstall') throw new Error('internal error: uninstall of an apply step')
    log.started('uninstall')
    const hooks = step.removal.hooks
    const hookRun = hooks && {
      ...hookRunOf(step, '', '', 'uninstall', context, log),
      // Where the files it was committed with are: a hook may call the scripts beside it.
      workspace: await commitRoot(hooks.commit, context)
    }
    if (hooks && hookRun) {
      try {
        await context.hooks.run('pre-uninstall', hooks['pre-uninstall'], hookRun)
      } catch (error) {
        throw new Error(`${errorMessage(error)}; helm uninstall was not run`, { cause: error })
      }
    }
    await context.helm.uninstall(step.target, helmContext(context, log))
    log.line(`uninstalled ${step.target.release} from ${step.target.namespace}`)
    if (hooks && hookRun)
      await context.hooks.run('post-uninstall', hooks['post-uninstall'], hookRun)
    return resultOf(step, { operation: 'uninstall', status: 'succeeded' })
  } catch (error) {
    return failed(step, error, log, { operation: 'uninstall' })
  }
}

async function commitRoot(sha: string, context: ActContext): Promise<string> {
  try {
    return await context.commitFiles(sha)
  } catch (error) {
    throw new Error(
      `the files of ${sha.slice(0, 12)}, where its uninstall hooks run, could not be written: ${errorMessage(error)}; helm uninstall was not run`,
      { cause: error }
    )
  }
}

function previewContext(context: ActContext) {
  return {
    helm: context.helm,
    helmArgs: context.config.helmArgs,
    signal: context.signal,
    values: context.values,
    scratch: context.scratch,
    head: { root: context.config.workspace, charts: context.charts, env: context.env },
    base: context.base
  }
}
