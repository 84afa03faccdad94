import type { KubeClient } from '../cluster/client.ts'
import { errorMessage } from '../error-message.ts'
import { checkHealth, type HealthReport } from '../health/check.ts'
import { clusterText } from '../health/events.ts'
import { durationSeconds } from '../plan/plan-options.ts'
import type { PlanLog } from '../report/plan-log.ts'
import type { Health } from '../types/health.ts'
import type { PlannedStep } from '../types/plan.ts'
import type { ActContext } from './act.ts'
import { parseRelease } from './helm-output.ts'
import { LABELS, quarantineLabel } from './marker.ts'
import { revisionsFromHistory } from './observation.ts'
import { labelRevision } from './revision-labels.ts'

// The health gate of a deploy: once helm returned, the release's objects are read
// until each is current (or the plan's timeout runs out); only a healthy release
// goes on to its post-hooks. An unhealthy one fails its plan and, with `atomic`, is
// undone as helm undoes a failed upgrade; the rolled-back digest is quarantined.
// Helm is given neither the plan's wait nor its atomic (see releaseOptionArgs): a
// health-checked plan's atomic is the action's, helm's own failures included.

/** How long the gate waits when the plan sets no `timeout` (helm's own default). */
export const DEFAULT_HEALTH_TIMEOUT = '5m'

export interface GateInput {
  readonly step: Extract<PlannedStep, { action: 'apply' }>
  readonly op: 'install' | 'upgrade'
  /** The revision helm made, when it said. */
  readonly revision: number | null
  readonly digest: string
  /** helm's `--output json`: its release holds the manifest. */
  readonly applied: string
  /** Where an unhealthy upgrade is rolled back to. */
  readonly lastDeployed: number | undefined
}

export interface GateOutcome {
  readonly health: Health
  readonly notes: readonly string[]
  /** Why the plan fails: unhealthy, or its health could not be read; undefined when healthy. */
  readonly error?: string
}

/** The client a health check reads through; undefined when the setup has none. */
export function healthReader(context: Pick<ActContext, 'cluster'>): KubeClient | undefined {
  return context.cluster?.reader ?? context.cluster?.client
}

export async function healthGate(
  input: GateInput,
  context: ActContext,
  log: PlanLog
): Promise<GateOutcome> {
  const { step, op } = input
  const { target, spec } = step
  const client = healthReader(context)
  if (!client) throw new Error('internal error: a health check without an API client')
  const timeout = spec.options.timeout ?? DEFAULT_HEALTH_TIMEOUT
  const call = { env: context.env, signal: context.signal, onLine: log.onStderr }
  let report: HealthReport
  try {
    const manifest =
      parseRelease(input.applied).manifest ?? (await context.helm.manifest(target, call))
    log.line(`Health: reading the release's objects until each is current (timeout ${timeout})`)
    report = await checkHealth({
      client,
      manifest,
      namespace: target.namespace,
      check: spec.options.health,
      timeoutMs: durationSeconds(timeout) * 1000,
      signal: context.signal,
      onWait: (line) => log.line(`  ${line}`)
    })
  } catch (error) {
    if (context.signal.aborted) throw error
    const why = clusterText(errorMessage(error))
    log.line(`Health: could not read: ${why}`)
    // Not proven healthy: undone as an unhealthy release is, but not quarantined.
    const undone = spec.options.atomic ? await undo(input, context, log, false) : KEPT
    return {
      health: 'unhealthy',
      notes: [`health: could not read: ${why}`, ...undone.notes],
      error: `health check: the release's objects could not be read (${why}); post-${op} hooks were not run${undone.said}; check that the workflow's kubeconfig may list them`
    }
  }
  log.line(
    `Health: ${report.health} (${report.objects} object(s), ${report.reads} read(s), ${report.requests} API request(s))`
  )
  if (report.health === 'healthy') return { health: 'healthy', notes: [] }
  for (const note of report.notes) log.line(`  ${note}`)
  const undone = spec.options.atomic ? await undo(input, context, log, true) : KEPT
  const named = report.notCurrent.slice(0, 5).join(', ')
  const more = report.notCurrent.length > 5 ? ` and ${report.notCurrent.length - 5} more` : ''
  const what =
    report.outcome === 'timeout'
      ? `not current after ${timeout}: ${named}${more}`
      : `an object failed: ${named}${more}`
  const todo =
    report.outcome === 'timeout'
      ? "fix the chart or its values and push again, or raise the plan's timeout if it only needs longer"
      : 'fix the chart or its values and push again'
  return {
    health: 'unhealthy',
    notes: [...report.notes, ...undone.notes],
    error: `unhealthy: ${what}; post-${op} hooks were not run${undone.said}; the notes say why; ${todo}`
  }
}

/**
 * `atomic` on a health-checked plan when helm itself failed: the revision helm left
 * (failed or pending) is undone as helm's own atomic would; none left, nothing to undo.
 * The error to fail the plan with, and the notes.
 */
export async function undoFailedHelm(
  input: Omit<GateInput, 'applied' | 'revision'>,
  error: unknown,
  context: ActContext,
  log: PlanLog
): Promise<{ error: Error; notes: readonly string[] }> {
  const { target } = input.step
  const call = { env: context.env, signal: context.signal, onLine: log.onStderr }
  let undone: Undone
  try {
    const history = await context.helm.history(target, call)
    const newest = (history === undefined ? [] : revisionsFromHistory(target.release, history))
      .sort((a, b) => b.revision - a.revision)
      .at(0)
    undone =
      newest === undefined || newest.status === 'deployed'
        ? { said: '; helm left no revision to roll back', notes: [] }
        : await undo({ ...input, revision: newest.revision, applied: '' }, context, log, false)
  } catch (also) {
    undone = { said: `; whether to roll back could not be told: ${errorMessage(also)}`, notes: [] }
  }
  return {
    error: new Error(`${errorMessage(error)}${undone.said}`, { cause: error }),
    notes: undone.notes
  }
}

interface Undone {
  /** Appended to the error. */
  readonly said: string
  readonly notes: readonly string[]
}

const KEPT: Undone = {
  said: '; the release stays as helm left it (atomic: true rolls it back)',
  notes: []
}

/**
 * `atomic`: an upgrade is rolled back to the last deployed revision, a first install
 * uninstalled. After a rollback on an unhealthy verdict, the rollback's revision
 * remembers the digest that failed (quarantine).
 */
async function undo(
  input: GateInput,
  context: ActContext,
  log: PlanLog,
  quarantine: boolean
): Promise<Undone> {
  const { target } = input.step
  const call = { env: context.env, signal: context.signal, onLine: log.onStderr }
  if (input.op === 'install') {
    log.line('Uninstalling the release: its first install is not healthy (atomic)')
    try {
      await context.helm.uninstall(target, call)
    } catch (error) {
      return { said: `; uninstalling it (atomic) failed too: ${errorMessage(error)}`, notes: [] }
    }
    return {
      said: '; uninstalled (atomic, a first install)',
      notes: ['uninstalled after the failed health check (atomic, a first install)']
    }
  }
  const to = input.lastDeployed
  if (to === undefined)
    return { said: '; not rolled back: the release has no earlier deployed revision', notes: [] }
  log.line(`Rolling back to revision ${to}: the release is not healthy (atomic)`)
  try {
    await context.helm.rollback(target, to, call)
  } catch (error) {
    return {
      said: `; the rollback to revision ${to} (atomic) failed too: ${errorMessage(error)}`,
      notes: []
    }
  }
  const notes = [`rolled back to revision ${to} after the failed health check (atomic)`]
  if (quarantine) notes.push(await quarantined(input, context))
  return { said: `; rolled back to revision ${to}`, notes }
}

/** Marks the rollback's revision (the one after helm's) with the digest that failed. */
async function quarantined(input: GateInput, context: ActContext): Promise<string> {
  const { digest, revision } = input
  const failure =
    revision === null
      ? 'helm did not say which revision it made'
      : await labelRevision(
          input.step.target,
          revision + 1,
          { [LABELS.quarantined]: quarantineLabel(digest, revision + 1) },
          context
        )
  return failure === undefined
    ? `quarantined: re-syncs and drift corrections do not apply plan digest ${digest.slice(0, 12)} again until the plan changes (retry-quarantined: true applies it anyway)`
    : `not quarantined (${failure}): a re-sync applies this plan again`
}
