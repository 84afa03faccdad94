import { releaseKey, type PlannedStep, type RunKindName } from '../types/plan.ts'
import { type DriftState, type ObjectDrift } from '../types/results.ts'
import type { Observation } from './observation.ts'
import { ownershipOf, type Ownership } from './orphans.ts'

// Pure: what to do with one plan, given what the cluster holds and the run kind.
// Only a release carrying this action's marker is ever upgraded over, recovered
// or uninstalled; a release left pending by another run is left to it for a grace.
// The one dispatcher of every run kind: a drift check's states (in sync, drifted,
// missing, suspended, orphan) are decided here too, and act() carries them out.

/** What a drift check found of a release, carried into its result. */
export interface Drift {
  readonly state: DriftState
  readonly objects: readonly ObjectDrift[]
}

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
      readonly drift?: Drift
    }
  /** A drift check's orphan is pruned with the same interpreter. */
  | { readonly kind: 'uninstall'; readonly notes: readonly string[]; readonly drift?: Drift }
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
  | { readonly kind: 'leave'; readonly note: string; readonly drift?: Drift }
  /** A drift check that changes nothing: what it found, reported. */
  | {
      readonly kind: 'report'
      readonly revision: number | null
      /** Said in the log (the compared objects were logged as they were read). */
      readonly line?: string
      readonly notes: readonly string[]
      readonly drift: Drift
    }
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

/**
 * A drift check cannot decide before observe reads more of the cluster: the live
 * objects of a release, or where an orphan's stored objects live. Asked only when
 * the answer matters, then decide() is asked again with it.
 */
export interface LiveRequest {
  readonly kind: 'observe-live'
  readonly what: Live['kind']
  /** Said before the objects are read. */
  readonly notes: readonly string[]
}

export type Live =
  /** Every object of the deployed manifest against its live copy: those that differ. */
  | { readonly kind: 'objects'; readonly objects: readonly ObjectDrift[] }
  /** The stored objects (manifest and hooks) of an orphan that live outside its namespace. */
  | { readonly kind: 'scope'; readonly outside: readonly string[] }

/** What a drift check adds to the decision's input. */
export interface DriftInput {
  /** The commit a correction re-applies. */
  readonly commit: string
  /** `prune: true`: an orphan provably this action's may be uninstalled. */
  readonly prune: boolean
  readonly ownershipKey: string | undefined
  /** What observe read when a LiveRequest asked. */
  readonly live?: Live
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
  /** Given in drift checks only. */
  readonly drift?: DriftInput
  /** `retry-quarantined`: apply a digest a failed health check rolled back, in a re-sync or a drift correction. */
  readonly retryQuarantined?: boolean
}

export function decide(input: DecideInput): Decision | LiveRequest {
  const { runKind } = input
  if (runKind !== 'drift-report' && runKind !== 'drift-correct') return deployDecision(input)
  if (!input.drift) throw new Error('internal error: a drift check decided without its input')
  return input.step.action === 'uninstall'
    ? orphanDecision(input.step, input.observation, input.drift)
    : driftDecision(input.step, input.observation, runKind, input.drift, quarantineOf(input))
}

/**
 * Whether the plan's digest is the one a failed health check rolled back (the newest
 * revision says so). A push applies it (the push is someone's change); a re-sync or a
 * drift correction would undo the rollback with the same plan, so they leave it until
 * the plan changes, unless `retry-quarantined` says to apply it anyway.
 */
function quarantineOf(input: DecideInput): Quarantine | undefined {
  const { observation, digest, runKind } = input
  if (runKind !== 'resync' && runKind !== 'drift-correct') return undefined
  if (observation?.kind !== 'deployed' || digest === undefined) return undefined
  if (observation.marker.quarantined !== digest) return undefined
  const what = `plan digest ${digest.slice(0, 12)} failed its health check and was rolled back to revision ${observation.revision}`
  if (input.retryQuarantined)
    return { apply: true, note: `retry-quarantined: applying it again, though ${what}` }
  const run = runKind === 'resync' ? 'a re-sync' : 'a drift correction'
  return {
    apply: false,
    note: `quarantined: ${what}; ${run} does not apply it again until the plan changes (push a fix, or run with retry-quarantined: true to apply it anyway)`
  }
}

interface Quarantine {
  /** `retry-quarantined`: applied all the same, the notes say so. */
  readonly apply: boolean
  readonly note: string
}

function deployDecision(input: DecideInput): Decision {
  const { step, observation, runKind } = input
  const name = releaseKey(step.target)
  const left = leftAlone(step)
  if (left) return left
  const quarantine = step.action === 'apply' ? quarantineOf(input) : undefined
  if (quarantine && !quarantine.apply) return { kind: 'leave', note: quarantine.note }
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
      const notes = [
        ...(quarantine ? [quarantine.note] : []),
        ...(marker.digest === input.digest && !finished
          ? [
              `revision ${revision} was not finished by gitops-action (a post-hook failed, or it was changed by hand): upgrading again`
            ]
          : [])
      ]
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

/**
 * A plan's release in a drift check. Only a release this action deployed and no run
 * is deploying is compared; `suspend: true` is neither checked nor corrected (as a
 * deploy leaves it, and as Flux leaves a suspended HelmRelease).
 */
function driftDecision(
  step: Extract<PlannedStep, { action: 'apply' }>,
  observation: Observation = { kind: 'absent' },
  runKind: 'drift-report' | 'drift-correct',
  drift: DriftInput,
  quarantine: Quarantine | undefined
): Decision | LiveRequest {
  const left = leftAlone(step)
  if (left) return { ...left, drift: { state: 'suspended', objects: [] } }
  const name = `${step.target.namespace}/${step.target.release}`
  switch (observation.kind) {
    case 'absent': {
      const missing: Drift = { state: 'release-missing', objects: [] }
      if (runKind === 'drift-correct') return correction('install', drift.commit, missing)
      const line = `release ${name} is missing`
      return { kind: 'report', revision: null, line, notes: ['release missing'], drift: missing }
    }
    case 'foreign':
      return {
        kind: 'leave',
        note: `release ${name} (revision ${observation.revision}) was not deployed by gitops-action: not checked, never corrected`
      }
    case 'pending':
      return {
        kind: 'leave',
        note: `release ${name} is ${observation.status} (revision ${observation.revision}): another run is deploying it, not checked`
      }
    case 'deployed':
    case 'failed': {
      const notes =
        observation.kind === 'failed'
          ? [
              `its newest revision ${observation.revision} failed: compared with that revision's manifest`
            ]
          : []
      if (drift.live?.kind !== 'objects') return { kind: 'observe-live', what: 'objects', notes }
      const { objects } = drift.live
      const found: Drift = { state: objects.length > 0 ? 'drifted' : 'in-sync', objects }
      // An object of a kind the server does not serve cannot be put back by helm either.
      const correctable =
        runKind === 'drift-correct' && objects.some((o) => o.state !== 'unknown-kind')
      const lastDeployed =
        observation.kind === 'deployed' ? observation.revision : observation.lastGood
      if (correctable && (!quarantine || quarantine.apply)) {
        const corrected = correction('upgrade', drift.commit, found, lastDeployed)
        return quarantine
          ? { ...corrected, notes: [quarantine.note, ...corrected.notes] }
          : corrected
      }
      const said = found.state === 'in-sync' ? 'in sync' : driftNote(objects)
      return {
        kind: 'report',
        revision: observation.revision,
        notes: [...notes, said, ...(correctable && quarantine ? [quarantine.note] : [])],
        drift: found
      }
    }
  }
}

/** Re-applies the release as the commit says: the deploy path, hooks included. */
function correction(
  operation: 'install' | 'upgrade',
  commit: string,
  drift: Drift,
  lastDeployed?: number
): Extract<Decision, { kind: 'apply' }> {
  const done = operation === 'install' ? 'installed' : 're-applied'
  const note = `corrected: ${done} as ${commit.slice(0, 12)} says`
  return {
    kind: 'apply',
    operation,
    ...(lastDeployed !== undefined && { lastDeployed }),
    notes: [note],
    reclaim: true,
    drift
  }
}

/** What a correction helm reported done left as it was, read back from the live objects. */
export type Rechecked =
  | { readonly corrected: true }
  | { readonly corrected: false; readonly drift: Drift; readonly error: string }

/**
 * Pure: a correction counts only when the objects, read again the same way, no longer
 * differ. Helm 3 patches a custom resource with a two-way merge of the old and new
 * manifests, which is empty when the chart did not change, so a hand edit stays.
 */
export function recheck(
  remaining: readonly ObjectDrift[],
  helmMajor: number,
  commit: string
): Rechecked {
  if (remaining.length === 0) return { corrected: true }
  const named = remaining
    .map((o) =>
      o.fields.length > 0
        ? `${o.object} (${o.fields.map((f) => f.path).join(', ')})`
        : `${o.object} (${o.state})`
    )
    .join('; ')
  const helm3 =
    helmMajor === 3
      ? ': Helm 3 takes back no hand edit of a custom resource (its patch compares the manifests alone); apply the manifest by hand (helm get manifest | kubectl apply -f -) or deploy with Helm 4'
      : ''
  return {
    corrected: false,
    drift: { state: 'drifted', objects: remaining },
    error: `not corrected: helm re-applied ${commit.slice(0, 12)}, and still differing: ${named}${helm3}`
  }
}

function driftNote(objects: readonly ObjectDrift[]): string {
  const missing = objects.filter((o) => o.state === 'missing').length
  const fields = objects.reduce((n, o) => n + o.fields.length, 0)
  return `drifted: ${objects.length} object(s), ${fields} field(s), ${missing} missing`
}

const ORPHAN: Drift = { state: 'orphan', objects: [] }

/**
 * A release with this action's marker that no plan declares. It is uninstalled only
 * when asked, provably ours, and when `helm uninstall` cannot reach past its
 * namespace: no plan renders its objects any more, so nothing says a cluster-scoped
 * one (or one in another namespace) is still its to delete. Otherwise reported.
 */
function orphanDecision(
  step: Extract<PlannedStep, { action: 'uninstall' }>,
  observation: Observation | undefined,
  drift: DriftInput
): Decision | LiveRequest {
  if (observation?.kind !== 'deployed' && observation?.kind !== 'failed')
    throw new Error('internal error: an orphan is a release this action deployed')
  const { namespace, release } = step.target
  const { revision, marker } = observation
  const report = (reason: string): Decision => ({
    kind: 'report',
    revision,
    line: reason,
    notes: [...step.reasons, reason],
    drift: ORPHAN
  })
  if (!drift.prune) return report('prune: true uninstalls it')
  const ownership = ownershipOf({ namespace, release, revision, marker }, drift.ownershipKey)
  if (ownership.kind !== 'verified') return report(unproven(ownership, revision))
  if (drift.live?.kind !== 'scope') return { kind: 'observe-live', what: 'scope', notes: [] }
  if (drift.live.outside.length > 0)
    return report(
      `not uninstalled: its release holds objects outside namespace ${namespace} (${drift.live.outside.join(', ')}), which prune never deletes; ${BY_HAND}`
    )
  return { kind: 'uninstall', notes: step.reasons, drift: ORPHAN }
}

const BY_HAND = 'uninstall it by hand if it is no longer needed'

function unproven(ownership: Exclude<Ownership, { kind: 'verified' }>, revision: number): string {
  switch (ownership.kind) {
    case 'no-key':
      return 'not uninstalled: prune needs the ownership-key input to tell the releases this action deployed'
    case 'unsigned':
      return `not uninstalled: revision ${revision} carries no ownership signature (deployed before ownership-key was set, or its deploy did not finish); ${BY_HAND}`
    case 'forged':
      return `not uninstalled: the ownership signature on revision ${revision} does not verify (copied from another release, forged, or made with another key); ${BY_HAND}`
  }
}
