import { releaseKey, type PlannedStep, type RunKindName } from '../types.ts'
import type { Observation } from './observation.ts'

// Pure: what to do with one plan, given what the cluster holds and the run kind.
// Only a release carrying this action's marker is ever upgraded over, recovered
// or uninstalled; a release left pending by another run is left to it for a grace.

/** Brings a release an interrupted run left behind back to something helm can upgrade or install. */
export type Recovery =
  | { readonly kind: 'rollback'; readonly to: number; readonly reason: string }
  | { readonly kind: 'uninstall'; readonly reason: string }

export type Decision =
  | {
      readonly kind: 'apply'
      readonly operation: 'install' | 'upgrade'
      readonly recover?: Recovery
      /** The release's last deployed revision, where a failed `test` rolls back to. */
      readonly lastDeployed?: number
      readonly notes: readonly string[]
      /**
       * A drift correction: fields others changed are taken back (Helm 4's server-side
       * apply would otherwise stop at their field managers' conflicts).
       */
      readonly reclaim?: boolean
    }
  | { readonly kind: 'uninstall'; readonly notes: readonly string[] }
  /** Preview: `helm template`. */
  | { readonly kind: 'render' }
  /** Preview of a removed plan: nothing to render. */
  | { readonly kind: 'plan-uninstall' }
  | {
      readonly kind: 'unchanged'
      readonly operation: 'upgrade' | 'uninstall'
      readonly revision: number | null
      readonly note: string
    }
  /** Left alone as the plan asks: `suspend`, or `keep` on a removed plan. Nothing runs. */
  | { readonly kind: 'leave'; readonly note: string }
  /** helm succeeded on this revision before, its post-hooks failed: run them again, not helm. */
  | {
      readonly kind: 'retry-hooks'
      readonly operation: 'install' | 'upgrade'
      readonly revision: number
      readonly note: string
    }
  /** Not touched: a release this action did not deploy, or one another run is deploying. */
  | {
      readonly kind: 'refuse'
      readonly operation: 'install' | 'upgrade' | 'uninstall'
      readonly status: 'failed' | 'skipped'
      readonly reason: string
    }

export interface DecideInput {
  readonly step: PlannedStep
  /** Undefined only in a preview, which never asks the cluster. */
  readonly observation: Observation | undefined
  readonly runKind: RunKindName
  /** The digest of what the plan deploys now (apply steps of deploy and resync runs). */
  readonly digest: string | undefined
  readonly now: number
  readonly pendingGraceMs: number
  /** This workflow run's id: a pending revision it wrote itself was left by an earlier attempt. */
  readonly run: string | undefined
}

export function decide(input: DecideInput): Decision {
  const { step, observation, runKind } = input
  const name = releaseKey(step.target)
  const left = leftAlone(step)
  if (left) return left
  if (runKind === 'preview' || observation === undefined)
    return step.action === 'apply' ? { kind: 'render' } : { kind: 'plan-uninstall' }
  if (observation.kind === 'foreign') {
    const left = `release ${name} (revision ${observation.revision}, ${observation.status}) was not deployed by gitops-action, so it is left alone`
    if (step.action === 'uninstall')
      return { kind: 'refuse', operation: 'uninstall', status: 'skipped', reason: left }
    return {
      kind: 'refuse',
      operation: 'upgrade',
      status: 'failed',
      reason: `${left}; to hand it over, label its newest release Secret: kubectl label secret -n ${step.target.namespace} sh.helm.release.v1.${step.target.release}.v${observation.revision} gitops-action/managed=true (or delete the release)`
    }
  }
  if (observation.kind === 'pending' && !mayRecover(observation, input)) {
    const since = new Date(observation.since).toISOString()
    const by = observation.marker.run ? ` by run ${observation.marker.run}` : ''
    return {
      kind: 'refuse',
      operation: step.action === 'uninstall' ? 'uninstall' : 'upgrade',
      status: 'failed',
      reason: `another run is deploying ${name}: revision ${observation.revision} is ${observation.status} since ${since}${by}; it is recovered once older than pending-grace (${Math.round(input.pendingGraceMs / 1000)} s)`
    }
  }
  if (step.action === 'uninstall') {
    if (observation.kind === 'absent')
      return { kind: 'unchanged', operation: 'uninstall', revision: null, note: 'already absent' }
    return { kind: 'uninstall', notes: [] }
  }
  switch (observation.kind) {
    case 'absent':
      return { kind: 'apply', operation: 'install', notes: [] }
    case 'deployed': {
      const { marker, revision } = observation
      if (
        runKind === 'deploy' &&
        marker.digest === input.digest &&
        !marker.finished &&
        marker.postHooksFailed
      )
        return {
          kind: 'retry-hooks',
          operation: marker.postHooksFailed,
          revision,
          note: `post-${marker.postHooksFailed} hooks of revision ${revision} failed in an earlier run: running them again (helm is not run)`
        }
      const hasPostHooks =
        step.spec.hooks['post-install'].length + step.spec.hooks['post-upgrade'].length > 0
      // Where only the description could be read, plans with post-hooks run again to be sure.
      const finished = marker.finished ?? !hasPostHooks
      if (runKind === 'deploy' && marker.digest === input.digest && finished)
        return {
          kind: 'unchanged',
          operation: 'upgrade',
          revision,
          note: `unchanged: revision ${revision} already deploys this plan (commit ${marker.commit.slice(0, 12)})`
        }
      const notes =
        marker.digest === input.digest && !finished
          ? [
              `revision ${revision} was not finished by gitops-action (a post-hook failed, or it was changed by hand): upgrading again`
            ]
          : []
      return { kind: 'apply', operation: 'upgrade', lastDeployed: revision, notes }
    }
    case 'failed': {
      const where = `release was left failed at revision ${observation.revision}`
      if (observation.lastGood === undefined)
        return {
          kind: 'apply',
          operation: 'install',
          recover: { kind: 'uninstall', reason: `${where} (never deployed)` },
          notes: []
        }
      return {
        kind: 'apply',
        operation: 'upgrade',
        lastDeployed: observation.lastGood,
        notes: []
      }
    }
    case 'pending': {
      const why = `release was left ${observation.status} at revision ${observation.revision} ${
        observation.marker.run !== undefined && observation.marker.run === input.run
          ? 'by an earlier attempt of this run'
          : `more than pending-grace (${Math.round(input.pendingGraceMs / 1000)} s) ago`
      }`
      const recover: Recovery =
        observation.status === 'pending-install' ||
        observation.status === 'uninstalling' ||
        observation.lastGood === undefined
          ? { kind: 'uninstall', reason: why }
          : { kind: 'rollback', to: observation.lastGood, reason: why }
      return recover.kind === 'uninstall'
        ? { kind: 'apply', operation: 'install', recover, notes: [] }
        : { kind: 'apply', operation: 'upgrade', recover, lastDeployed: recover.to, notes: [] }
    }
  }
}

/**
 * When the plan asks for its release to be left alone, before the cluster is asked: the
 * rule of every run that could touch the release, drift checks included.
 */
export function leftAlone(step: PlannedStep): Extract<Decision, { kind: 'leave' }> | undefined {
  const name = releaseKey(step.target)
  const note = leaveNote(step, name)
  return note === undefined ? undefined : { kind: 'leave', note }
}

function leaveNote(step: PlannedStep, name: string): string | undefined {
  if (step.action === 'apply')
    return step.spec.options.suspend
      ? `suspended: release ${name} is left as it is (suspend: true)`
      : undefined
  if (step.removal.suspend)
    return `suspended: the plan was removed while suspend: true, so release ${name} is not uninstalled`
  if (step.removal.keep)
    return `orphaned: the plan was removed with keep: true, so release ${name} stays in the cluster; uninstall it by hand when it is no longer needed`
  return undefined
}

function mayRecover(
  observation: Extract<Observation, { kind: 'pending' }>,
  input: DecideInput
): boolean {
  if (observation.marker.run !== undefined && observation.marker.run === input.run) return true
  return input.now - observation.since > input.pendingGraceMs
}
