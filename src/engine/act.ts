import type { Config, DiffBase, PlannedStep, PlanSpec, Result } from '../types.ts'
import type { PlanLog } from '../report/plan-log.ts'
import type { ChartResolver } from '../apply/charts.ts'
import { helmRun, type Helm, type HelmContext } from '../apply/helm.ts'
import {
  applyArgs,
  rollbackArgs,
  serverSideFlag,
  serverSideInEffect,
  statusArgs,
  translateUserArgs,
  uninstallArgs
} from '../apply/helm-args.ts'
import { hookEnv, runHooks } from '../apply/hooks.ts'
import type { ValuesFiles } from '../apply/sops-values.ts'
import type { KubeClient } from '../cluster/client.ts'
import type { Decision, Recovery } from './decide.ts'
import { LABELS, markerLabels, releaseDescription } from './marker.ts'
import { resultOf, type OutcomeFields } from './outcome.ts'
import { parseRelease } from './helm-output.ts'
import { previewApply, previewUninstall, type RenderSide } from './preview.ts'

// The one interpreter of decisions: helm, hooks and `helm template`, for
// deploys, re-syncs and previews alike.

export interface ActContext {
  readonly helm: Helm
  readonly config: Config
  readonly sha: string
  /** The workflow run, written into the marker. */
  readonly run: string | undefined
  /** Absent in a preview: no cluster, no hooks. */
  readonly cluster?: { readonly kubeconfig: string; readonly client: KubeClient | undefined }
  /** helm's and hooks' environment. */
  readonly env: NodeJS.ProcessEnv
  readonly charts: ChartResolver
  /** The values files as helm gets them (SOPS files decrypted, or redacted in a preview). */
  readonly values: ValuesFiles
  readonly signal: AbortSignal
  /** A preview's diff base, and how its side renders (undefined when it has none). */
  readonly base?: { readonly diffBase: DiffBase; readonly side: RenderSide | undefined }
}

export async function act(
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

function helmContext(context: ActContext, log: PlanLog): HelmContext {
  return { env: context.env, signal: context.signal, onLine: log.onStderr }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function failed(
  step: PlannedStep,
  error: unknown,
  log: PlanLog,
  fields: Omit<OutcomeFields, 'status'>
): Result {
  const result = resultOf(step, { ...fields, status: 'failed', error: message(error) })
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
    await helmRun(context.helm, rollbackArgs(target, recovery.to), helmContext(context, log))
    return `recovered: ${recovery.reason}, rolled back to revision ${recovery.to}`
  }
  log.line(`Recovering: ${recovery.reason}; uninstalling it`)
  await helmRun(context.helm, uninstallArgs(target), helmContext(context, log))
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
  const notes = [...decision.notes]
  let version = spec.version ?? ''
  let revision: number | null = null
  try {
    if (!context.cluster) throw new Error('internal error: a deploy without a cluster')
    if (decision.recover) notes.push(await recover(step, decision.recover, context, log))
    log.started(`${op} ${spec.chartText}${spec.version ? `@${spec.version}` : ''}`)
    const chart = await context.charts.resolve(spec.chart, {
      signal: context.signal,
      onLine: log.onStderr
    })
    // Before any hook or helm: every decrypted value is registered as a secret first.
    const values = await context.values.forDeploy(spec.values)
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
          kubeconfig: context.cluster.kubeconfig,
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
      throw new Error(`${message(error)}; helm ${op} was not run`, { cause: error })
    }
    const postHooks = spec.hooks[`post-${op}`]
    const userArgs =
      decision.reclaim && helm.major === 4
        ? [...config.helmArgs, '--force-conflicts']
        : config.helmArgs
    const applyMethod = await previousApplyMethod(step, op, userArgs, context, log)
    const translated = translateUserArgs(userArgs, helm.major, {
      serverSide: serverSideInEffect(helm.major, op, userArgs, applyMethod)
    })
    notes.push(...translated.notes)
    const args = applyArgs({
      operation: op,
      target,
      chart,
      version: spec.version,
      values,
      description: releaseDescription(context.sha, target.plan, digest),
      labels: markerLabels({ digest, commit: context.sha, run: context.run }),
      userArgs: translated.args
    })
    log.line(`helm ${args.join(' ')}`)
    const applied = await helmRun(helm, args, helmContext(context, log))
    const release = parseRelease(applied.stdout)
    revision = release.revision
    version = release.chartVersion ?? version
    log.line(`${op} done: revision ${revision ?? '?'}, chart version ${version || '?'}`)

    await runHooks(`post-${op}`, postHooks, hookRun)
    await markFinished(step, revision, context, notes)
    return resultOf(step, { operation: op, status: 'succeeded', version, revision, notes })
  } catch (error) {
    return failed(step, error, log, { operation: op, version, revision, notes })
  }
}

/**
 * The revision is marked finished once helm and the post-hooks succeeded, so a run
 * after a failed post-hook (or a revision made by hand) upgrades again. Without API
 * access the mark is not written, and the next run tells by the description alone.
 */
async function markFinished(
  step: PlannedStep,
  revision: number | null,
  context: ActContext,
  notes: string[]
): Promise<void> {
  const client = context.cluster?.client
  if (!client || revision === null) return
  const { namespace, release } = step.target
  try {
    await client.mergePatch(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(`sh.helm.release.v1.${release}.v${revision}`)}`,
      { metadata: { labels: { [LABELS.finished]: String(revision) } } }
    )
  } catch (error) {
    notes.push(
      `deployed, but the release could not be marked finished (${message(error)}): the next run upgrades it again`
    )
  }
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
  const status = await helmRun(context.helm, statusArgs(step.target), helmContext(context, log))
  return parseRelease(status.stdout).applyMethod
}

async function uninstall(step: PlannedStep, context: ActContext, log: PlanLog): Promise<Result> {
  try {
    log.started('uninstall')
    await helmRun(context.helm, uninstallArgs(step.target), helmContext(context, log))
    log.line(`uninstalled ${step.target.release} from ${step.target.namespace}`)
    return resultOf(step, { operation: 'uninstall', status: 'succeeded' })
  } catch (error) {
    return failed(step, error, log, { operation: 'uninstall' })
  }
}

function previewContext(context: ActContext) {
  return {
    helm: context.helm,
    helmArgs: context.config.helmArgs,
    signal: context.signal,
    values: context.values,
    head: { root: context.config.workspace, charts: context.charts, env: context.env },
    base: context.base
  }
}
