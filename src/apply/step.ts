import { join } from 'node:path'
import type {
  Config,
  Operation,
  PlannedStep,
  PlanSpec,
  PlanTarget,
  Result,
  Status
} from '../types.ts'
import type { PlanLog } from '../report/plan-log.ts'
import type { ChartResolver } from './charts.ts'
import { HelmError, helmRun, type Helm, type HelmContext } from './helm.ts'
import {
  applyArgs,
  historyArgs,
  releaseDescription,
  rollbackArgs,
  serverSideFlag,
  serverSideInEffect,
  statusArgs,
  translateUserArgs,
  uninstallArgs
} from './helm-args.ts'
import { hookEnv, runHooks } from './hooks.ts'
import {
  chartVersionOf,
  lastGoodRevision,
  NOT_FOUND,
  parseHistory,
  parseRelease,
  recoveryFor,
  type ReleaseState
} from './release.ts'

// One plan on one cluster (SPEC §3): the cluster decides install or upgrade,
// a release left pending is recovered first, hooks run around helm.

/** What every plan of one setup shares. */
export interface SetupContext {
  readonly helm: Helm
  readonly config: Config
  readonly sha: string
  readonly kubeconfig: string
  /** helm's and hooks' environment: KUBECONFIG and the run's helm folders. */
  readonly env: NodeJS.ProcessEnv
  readonly charts: ChartResolver
  readonly signal: AbortSignal
  /** Re-apply releases that already deploy this commit (a full re-sync repairs drift). */
  readonly resync: boolean
}

export async function runStep(
  step: PlannedStep,
  context: SetupContext,
  log: PlanLog
): Promise<Result> {
  const started = performance.now()
  const outcome =
    step.action === 'apply'
      ? await apply(step.target, step.spec, context, log)
      : await uninstall(step.target, context, log)
  return { ...outcome, durationMs: Math.round(performance.now() - started) }
}

type Outcome = Omit<Result, 'durationMs'>

function outcome(
  target: PlanTarget,
  fields: {
    chart: string
    version: string
    operation: Operation
    status: Status
    revision?: number | null
    error?: string | null
    notes: readonly string[]
  }
): Outcome {
  return {
    setup: target.setup,
    namespace: target.namespace,
    release: target.release,
    plan: target.plan,
    chart: fields.chart,
    version: fields.version,
    operation: fields.operation,
    status: fields.status,
    revision: fields.revision ?? null,
    error: fields.error ?? null,
    notes: fields.notes
  }
}

function describeError(target: PlanTarget, error: unknown): string {
  return `${target.plan}: ${error instanceof Error ? error.message : String(error)}`
}

function helmContext(context: SetupContext, log: PlanLog): HelmContext {
  return { env: context.env, signal: context.signal, onLine: log.onStderr }
}

/** One helm call tells whether the release exists, its status, and which commit and plan deployed it. */
async function releaseState(target: PlanTarget, context: SetupContext): Promise<ReleaseState> {
  try {
    // No live lines: "release: not found" is an answer here, not an error to show.
    const history = await helmRun(context.helm, historyArgs(target, 1), {
      env: context.env,
      signal: context.signal
    })
    return parseHistory(history.stdout)
  } catch (error) {
    if (error instanceof HelmError && NOT_FOUND.test(error.result.stderr)) return { kind: 'absent' }
    throw error
  }
}

/** Brings a release an interrupted run left pending back to something helm can upgrade or install. */
async function recover(
  target: PlanTarget,
  state: ReleaseState,
  context: SetupContext,
  log: PlanLog
): Promise<string | undefined> {
  const recovery = recoveryFor(state)
  if (recovery.kind === 'none' || state.kind === 'absent') return undefined
  const helmCtx = helmContext(context, log)
  if (recovery.kind === 'rollback') {
    const history = await helmRun(context.helm, historyArgs(target), helmCtx)
    const good = lastGoodRevision(history.stdout, state.revision)
    if (good !== undefined) {
      log.line(`Recovering: ${recovery.reason}; rolling back to revision ${good}`)
      await helmRun(context.helm, rollbackArgs(target, good), helmCtx)
      return `recovered: ${recovery.reason}, rolled back to revision ${good}`
    }
  }
  log.line(`Recovering: ${recovery.reason}; uninstalling it`)
  await helmRun(context.helm, uninstallArgs(target), helmCtx)
  return `recovered: ${recovery.reason}, uninstalled it first`
}

async function apply(
  target: PlanTarget,
  spec: PlanSpec,
  context: SetupContext,
  log: PlanLog
): Promise<Outcome> {
  const { helm, config } = context
  const notes: string[] = []
  let operation: Operation = 'apply'
  let version = spec.version ?? ''
  let revision: number | null = null
  const fields = () => ({ chart: spec.chartText, version, operation, revision, notes })
  try {
    let state = await releaseState(target, context)
    const recovered = await recover(target, state, context, log)
    if (recovered) {
      notes.push(recovered)
      state = await releaseState(target, context)
    }
    const op = state.kind === 'absent' ? 'install' : 'upgrade'
    operation = op
    // A failed post-upgrade hook leaves the release deployed at this commit: such plans always
    // upgrade again, so a re-run repeats their hooks.
    if (
      state.kind === 'present' &&
      state.status === 'deployed' &&
      state.description === releaseDescription(context.sha, target.plan) &&
      !context.resync &&
      spec.hooks['post-upgrade'].length === 0
    ) {
      log.line(`Revision ${state.revision} already deploys this commit: nothing to do`)
      revision = state.revision
      version = chartVersionOf(state.chart) || version
      notes.push(
        `unchanged: revision ${state.revision} already deploys ${context.sha.slice(0, 12)}`
      )
      return outcome(target, { ...fields(), status: 'succeeded' })
    }
    log.started(`${op} ${spec.chartText}${spec.version ? `@${spec.version}` : ''}`)
    const chart = await context.charts.resolve(spec.chart, {
      signal: context.signal,
      onLine: log.onStderr
    })

    const hookRun = {
      shell: config.shell,
      workspace: config.workspace,
      timeoutMs: config.hookTimeoutMs,
      signal: context.signal,
      onLine: log.onLine,
      env: {
        ...context.env,
        ...hookEnv({
          target,
          kubeconfig: context.kubeconfig,
          helm: helm.path,
          chart: spec.chartText,
          version,
          operation: op,
          sha: context.sha
        })
      }
    }
    try {
      await runHooks(`pre-${op}`, spec.hooks[`pre-${op}`], hookRun)
    } catch (error) {
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}; helm ${op} was not run`,
        { cause: error }
      )
    }

    const applyMethod = await previousApplyMethod(target, op, context, log)
    const translated = translateUserArgs(config.helmArgs, helm.major, {
      serverSide: serverSideInEffect(helm.major, op, config.helmArgs, applyMethod)
    })
    notes.push(...translated.notes)
    const args = applyArgs({
      operation: op,
      target,
      chart,
      version: spec.version,
      values: spec.values.map((file) => join(config.workspace, file)),
      description: releaseDescription(context.sha, target.plan),
      userArgs: translated.args
    })
    log.line(`helm ${args.join(' ')}`)
    const applied = await helmRun(helm, args, helmContext(context, log))
    const release = parseRelease(applied.stdout)
    revision = release.revision
    version = release.chartVersion ?? version
    log.line(`${op} done: revision ${revision ?? '?'}, chart version ${version || '?'}`)

    await runHooks(`post-${op}`, spec.hooks[`post-${op}`], hookRun)
    return outcome(target, { ...fields(), status: 'succeeded' })
  } catch (error) {
    const message = describeError(target, error)
    log.line(`✖ ${message}`)
    return outcome(target, { ...fields(), status: 'failed', error: message })
  }
}

/** Only asked when it matters: `--force-conflicts` on a Helm 4 upgrade without an explicit `--server-side`. */
async function previousApplyMethod(
  target: PlanTarget,
  op: 'install' | 'upgrade',
  context: SetupContext,
  log: PlanLog
): Promise<string | undefined> {
  const args = context.config.helmArgs
  const matters =
    context.helm.major === 4 &&
    op === 'upgrade' &&
    args.some((a) => a.split('=')[0] === '--force-conflicts')
  if (!matters || serverSideFlag(args) !== undefined) return undefined
  const status = await helmRun(context.helm, statusArgs(target), helmContext(context, log))
  return parseRelease(status.stdout).applyMethod
}

async function uninstall(
  target: PlanTarget,
  context: SetupContext,
  log: PlanLog
): Promise<Outcome> {
  let chart = ''
  let version = ''
  try {
    const state = await releaseState(target, context)
    if (state.kind === 'absent') {
      log.line('Release already absent: nothing to uninstall')
      return outcome(target, {
        chart,
        version,
        operation: 'uninstall',
        status: 'succeeded',
        notes: ['already absent']
      })
    }
    version = chartVersionOf(state.chart)
    chart = version ? state.chart.slice(0, -(version.length + 1)) : state.chart
    log.started(`uninstall (revision ${state.revision}, ${state.status})`)
    await helmRun(context.helm, uninstallArgs(target), helmContext(context, log))
    log.line(`uninstalled ${target.release} from ${target.namespace}`)
    return outcome(target, {
      chart,
      version,
      operation: 'uninstall',
      status: 'succeeded',
      notes: []
    })
  } catch (error) {
    const message = describeError(target, error)
    log.line(`✖ ${message}`)
    return outcome(target, {
      chart,
      version,
      operation: 'uninstall',
      status: 'failed',
      error: message,
      notes: []
    })
  }
}

/** A plan that never ran (fail-fast, cancellation, its setup could not start). */
export function notRun(step: PlannedStep, status: 'skipped' | 'failed', why: string): Result {
  const spec = step.action === 'apply' ? step.spec : undefined
  return {
    ...outcome(step.target, {
      chart: spec?.chartText ?? '',
      version: spec?.version ?? '',
      operation: step.action === 'apply' ? 'apply' : 'uninstall',
      status,
      error: status === 'failed' ? `${step.target.plan}: ${why}` : null,
      notes: status === 'skipped' ? [why] : []
    }),
    durationMs: 0
  }
}
