import { DEFAULT_REMOVAL } from '../plan/plan-options.ts'
import * as core from '@actions/core'
import { PlanLog } from '../report/plan-log.ts'
import type {
  DriftReport,
  ObjectDrift,
  PlannedStep,
  PlanTarget,
  Result,
  SetupPlan
} from '../types.ts'
import { helmRun } from '../apply/helm.ts'
import { manifestArgs } from '../apply/helm-args.ts'
import { KubeApiError, type KubeClient } from '../cluster/client.ts'
import { ResourceFinder, UnknownKindError } from '../cluster/resources.ts'
import { act, type ActContext } from './act.ts'
import {
  compareObject,
  ignoredPaths,
  manifestObjects,
  type DesiredObject,
  type JsonObject,
  type SecretTest
} from './drift-compare.ts'
import { releaseSecrets } from './drift-secrets.ts'
import { checkDecision, corrects, orphansOf, type OrphanRelease } from './drift-decide.ts'
import { revisionsFromSecrets, type SecretMetadata } from './observation.ts'
import { observeReleases, releaseKey, type Observed } from './observe.ts'
import { notRun, resultOf, withDrift } from './outcome.ts'
import { mapLimited } from './pool.ts'
import {
  actContextOf,
  clusterOf,
  digestOf,
  withShared,
  title,
  type EngineRun,
  type Shared
} from './run.ts'

// A drift check: every plan's release as deployed (`helm get manifest`) against the
// live objects, read from the API server; `drift: correct` re-applies what drifted
// through the one interpreter, as an upgrade with hooks. Then the orphans: releases
// with this action's marker in the plans' namespaces that no plan declares.

const PARTIAL_METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1'
const OBJECTS_AT_ONCE = 8

export async function runDrift(run: EngineRun): Promise<Result[]> {
  if (run.plan.setups.length === 0) return []
  return withShared(run, async (shared) => {
    const perSetup = await mapLimited(run.plan.setups, run.config.parallel, (setup) =>
      driftOfSetup(setup, shared)
    )
    return perSetup.flat()
  })
}

interface SetupContext {
  readonly shared: Shared
  readonly act: ActContext
  readonly client: KubeClient
  readonly resources: ResourceFinder
  readonly observed: Observed
}

async function driftOfSetup(setup: SetupPlan, shared: Shared): Promise<Result[]> {
  if (shared.signal.aborted)
    return setup.steps.map((step) => notRun(step, 'skipped', 'not run: the run was cancelled'))
  let cluster: Awaited<ReturnType<typeof clusterOf>>
  try {
    cluster = await clusterOf(setup.setup, shared)
    if (!cluster.client)
      throw new Error(
        `setup ${setup.setup}: a drift check reads the live objects through the API server, and no client could be built from its kubeconfig`
      )
  } catch (error) {
    return setupFailed(setup, error)
  }
  const { client } = cluster
  try {
    const act = actContextOf(shared, { kubeconfig: cluster.kubeconfig, client })
    const observed = await observeReleases(setup.steps, {
      helm: shared.helm,
      env: act.env,
      signal: shared.signal,
      client
    })
    core.info(`Releases of setup ${setup.setup}: ${observed.how}`)
    const context: SetupContext = {
      shared,
      client,
      observed,
      resources: new ResourceFinder(client),
      act
    }
    const checked = await mapLimited(setup.steps, shared.config.parallelPlans, (step) =>
      checkStep(step, context)
    )
    return [...checked, ...(await orphans(setup, context))]
  } catch (error) {
    return setupFailed(setup, error)
  } finally {
    await client.close()
  }
}

function setupFailed(setup: SetupPlan, error: unknown): Result[] {
  const message = error instanceof Error ? error.message : String(error)
  const log = new PlanLog(`setup ${setup.setup}`)
  log.line(message)
  log.flush('drift check failed')
  return setup.steps.map((step) => notRun(step, 'failed', message))
}

async function checkStep(step: PlannedStep, context: SetupContext): Promise<Result> {
  const { shared } = context
  if (shared.signal.aborted) return notRun(step, 'skipped', 'not run: the run was cancelled')
  const log = new PlanLog(title(step))
  const result = await checkRelease(step, context, log).catch((error: unknown) =>
    notRun(step, 'failed', error instanceof Error ? error.message : String(error))
  )
  if (result.error) log.line(`✖ ${result.error}`)
  log.flush(`drift ${result.drift?.state ?? result.status}`)
  return result
}

async function checkRelease(
  step: PlannedStep,
  context: SetupContext,
  log: PlanLog
): Promise<Result> {
  if (step.action !== 'apply')
    throw new Error('internal error: a drift check is of the plans at a commit')
  const key = releaseKey(step.target)
  const observeError = context.observed.errors.get(key)
  if (observeError) throw new Error(observeError)
  const observation = context.observed.observations.get(key) ?? { kind: 'absent' }
  const decision = checkDecision(observation, key)
  const drift = context.shared.config.drift
  if (decision.kind === 'leave') {
    log.line(decision.reason)
    return resultOf(step, { operation: null, status: 'skipped', notes: [decision.reason] })
  }
  if (decision.kind === 'release-missing') {
    log.line(`release ${key} is missing`)
    const report: DriftReport = { state: 'release-missing', objects: [], corrected: false }
    if (drift !== 'correct')
      return withDrift(
        resultOf(step, { operation: null, status: 'unchanged', notes: ['release missing'] }),
        report
      )
    const result = await correct(step, 'install', context, log)
    return withDrift(result, { ...report, corrected: result.status === 'succeeded' })
  }
  for (const note of decision.notes) log.line(note)
  const secrets = await releaseSecrets(step.target, step.spec.values, {
    ...context.shared,
    env: context.act.env
  })
  const objects = await compareRelease(step.target, step.spec.driftIgnore, secrets, context)
  for (const object of objects) {
    log.line(`${object.object}: ${object.state}`)
    for (const field of object.fields)
      log.line(`  ${field.path}: ${field.want ?? '(absent)'} → ${field.have ?? '(absent)'}`)
  }
  const state = objects.length > 0 ? 'drifted' : 'in-sync'
  const revision = 'revision' in observation ? observation.revision : null
  if (!corrects(drift, objects)) {
    const notes = [...decision.notes, state === 'in-sync' ? 'in sync' : driftNote(objects)]
    return withDrift(resultOf(step, { operation: null, status: 'unchanged', revision, notes }), {
      state,
      objects,
      corrected: false
    })
  }
  const result = await correct(step, 'upgrade', context, log)
  return withDrift(result, { state, objects, corrected: result.status === 'succeeded' })
}

function driftNote(objects: readonly ObjectDrift[]): string {
  const missing = objects.filter((o) => o.state === 'missing').length
  const fields = objects.reduce((n, o) => n + o.fields.length, 0)
  return `drifted: ${objects.length} object(s), ${fields} field(s), ${missing} missing`
}

/** Re-applies the release as the commit says: the deploy path, hooks included. */
async function correct(
  step: Extract<PlannedStep, { action: 'apply' }>,
  operation: 'install' | 'upgrade',
  context: SetupContext,
  log: PlanLog
): Promise<Result> {
  const digest = await digestOf(step, context.shared)
  const note = `corrected: ${operation === 'install' ? 'installed' : 're-applied'} as ${context.shared.plan.sha.slice(0, 12)} says`
  return act(
    step,
    { kind: 'apply', operation, notes: [note], reclaim: true },
    digest,
    context.act,
    log
  )
}

/** Every object of the deployed manifest against its live copy. */
async function compareRelease(
  target: PlanTarget,
  ignore: Extract<PlannedStep, { action: 'apply' }>['spec']['driftIgnore'],
  holdsSecret: SecretTest,
  context: SetupContext
): Promise<ObjectDrift[]> {
  const manifest = await helmRun(context.shared.helm, manifestArgs(target), {
    env: context.act.env,
    signal: context.shared.signal
  })
  const objects = manifestObjects(manifest.stdout)
  const found = await mapLimited(objects, OBJECTS_AT_ONCE, (object) =>
    compareLive(object, target.namespace, ignoredPaths(ignore, object), holdsSecret, context)
  )
  return found.filter((o): o is ObjectDrift => o !== undefined)
}

async function compareLive(
  desired: DesiredObject,
  releaseNamespace: string,
  ignore: readonly string[],
  holdsSecret: SecretTest,
  context: SetupContext
): Promise<ObjectDrift | undefined> {
  const namespace = desired.namespace ?? releaseNamespace
  const object = `${desired.kind}/${namespace}/${desired.name}`
  let path: string
  try {
    ;({ path } = await context.resources.find({ ...desired, namespace }))
  } catch (error) {
    if (error instanceof UnknownKindError)
      return { object, state: 'unknown-kind', fields: [], reason: error.message }
    throw error
  }
  let live: JsonObject
  try {
    live = await context.client.get<JsonObject>(path)
  } catch (error) {
    if (error instanceof KubeApiError && error.statusCode === 404)
      return { object, state: 'missing', fields: [] }
    throw error
  }
  const fields = compareObject(desired, live, ignore, holdsSecret)
  return fields.length > 0 ? { object, state: 'drifted', fields } : undefined
}

/**
 * Orphans of the namespaces the setup's plans use. Only a check of every plan can
 * tell that no plan declares a release: with the `plans` input set, none are looked for.
 */
async function orphans(setup: SetupPlan, context: SetupContext): Promise<Result[]> {
  const { shared } = context
  if (shared.config.plans.length > 0) return []
  const declared = new Set([
    ...setup.steps.map((s) => releaseKey(s.target)),
    ...shared.plan.problems
      .filter((p) => p.target.setup === setup.setup)
      .map((p) => releaseKey(p.target))
  ])
  const namespaces = [...new Set([...declared].map((key) => key.split('/')[0] as string))]
  const found = await mapLimited(namespaces, OBJECTS_AT_ONCE, async (namespace) => {
    const list = await context.client.get<{ items?: Array<{ metadata?: SecretMetadata }> }>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets?labelSelector=${encodeURIComponent('owner=helm')}`,
      PARTIAL_METADATA_LIST
    )
    const revisions = revisionsFromSecrets((list.items ?? []).map((i) => i.metadata ?? {}))
    return orphansOf(namespace, revisions, declared)
  })
  return mapLimited(found.flat(), shared.config.parallelPlans, (orphan) =>
    orphanResult(setup.setup, orphan, context)
  )
}

async function orphanResult(
  setup: string,
  orphan: OrphanRelease,
  context: SetupContext
): Promise<Result> {
  const { namespace, release } = orphan
  const target: PlanTarget = { setup, namespace, release, plan: `${setup}/${namespace}/${release}` }
  const why = `orphan: no plan declares ${namespace}/${release} (deployed by ${orphan.marker.commit.slice(0, 12) || 'an older version'}, revision ${orphan.revision})`
  const step: PlannedStep = {
    action: 'uninstall',
    target,
    reasons: [why],
    needs: [],
    removal: DEFAULT_REMOVAL
  }
  const log = new PlanLog(title(step))
  log.line(why)
  const report: DriftReport = { state: 'orphan', objects: [], corrected: false }
  if (!context.shared.config.prune) {
    log.flush('orphan')
    return withDrift(
      resultOf(step, {
        operation: null,
        status: 'unchanged',
        revision: orphan.revision,
        notes: [why, 'prune: true uninstalls it']
      }),
      report
    )
  }
  const result = await act(step, { kind: 'uninstall', notes: [why] }, undefined, context.act, log)
  log.flush(`orphan ${result.status === 'succeeded' ? 'uninstalled' : result.status}`)
  return withDrift(result, { ...report, corrected: result.status === 'succeeded' })
}
