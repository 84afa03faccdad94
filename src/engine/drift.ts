import { DEFAULT_REMOVAL } from '../plan/plan-options.ts'
import type { PlanLog } from '../report/plan-log.ts'
import type {
  DriftReport,
  ObjectDrift,
  PlannedStep,
  PlanTarget,
  Result,
  SetupPlan
} from '../types.ts'
import { helmRun } from '../apply/helm.ts'
import { hooksArgs, manifestArgs } from '../apply/helm-args.ts'
import { KubeApiError, type KubeClient } from '../cluster/client.ts'
import { ResourceFinder, UnknownKindError } from '../cluster/resources.ts'
import { act } from './act.ts'
import {
  compareObject,
  ignoredPaths,
  manifestObjects,
  type DesiredObject,
  type JsonObject,
  type SecretTest
} from './drift-compare.ts'
import { releaseSecrets } from './drift-secrets.ts'
import {
  checkDecision,
  corrects,
  objectsOutside,
  orphansOf,
  ownershipOf,
  pruneDecision,
  type OrphanRelease,
  type PruneInput,
  type StoredObject
} from './drift-decide.ts'
import { revisionsFromSecrets, type SecretMetadata } from './observation.ts'
import { releaseKey } from '../types.ts'
import { resultOf } from '../report/results.ts'
import { withDrift } from './outcome.ts'
import { mapLimited } from './pool.ts'
import {
  digestOf,
  runEngine,
  stepOf,
  type EngineRun,
  type SetupWork,
  type StepContext
} from './run.ts'

// A drift check: every plan's release as deployed (`helm get manifest`) against the
// live objects, read from the API server; `drift: correct` re-applies what drifted
// through the one interpreter, as an upgrade with hooks. It runs through the deploy's
// scheduler: `needs`, `parallel-plans`, fail-fast and cancellation as a deploy has
// them. Then the orphans: releases with this action's marker in the plans' namespaces
// that no plan declares.

const PARTIAL_METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1'
const OBJECTS_AT_ONCE = 8

const DRIFT: SetupWork = {
  step: checkStep,
  outcome: (result) => `drift ${result.drift?.state ?? result.status}`,
  needsClient: (setup) =>
    `setup ${setup}: a drift check reads the live objects through the API server, and no client could be built from its kubeconfig`,
  after: orphans
}

export function runDrift(run: EngineRun): Promise<Result[]> {
  return runEngine(run, DRIFT)
}

/** The setup's discovery, asked once a setup (a client is one setup's). */
const finders = new WeakMap<KubeClient, ResourceFinder>()
function apiOf(context: StepContext): { client: KubeClient; resources: ResourceFinder } {
  const { client } = context
  if (!client) throw new Error('internal error: a drift check without an API client')
  let resources = finders.get(client)
  if (!resources) {
    resources = new ResourceFinder(client)
    finders.set(client, resources)
  }
  return { client, resources }
}

async function checkStep(step: PlannedStep, context: StepContext, log: PlanLog): Promise<Result> {
  if (step.action !== 'apply')
    throw new Error('internal error: a drift check is of the plans at a commit')
  const key = releaseKey(step.target)
  const observation = context.observed?.observations.get(key) ?? { kind: 'absent' }
  const decision = checkDecision(step, observation)
  const drift = context.shared.config.drift
  if (decision.kind === 'suspended') {
    log.line(decision.note)
    return withDrift(
      resultOf(step, { operation: null, status: 'skipped', notes: [decision.note] }),
      { state: 'suspended', objects: [], corrected: false }
    )
  }
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
  context: StepContext,
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

/** The objects of the release's newest revision as helm stores them (`args`: manifest or hooks). */
async function storedObjects(
  args: readonly string[],
  context: StepContext
): Promise<DesiredObject[]> {
  const stored = await helmRun(context.shared.helm, [...args], {
    env: context.act.env,
    signal: context.shared.signal
  })
  return manifestObjects(stored.stdout)
}

/** Every object of the deployed manifest against its live copy. */
async function compareRelease(
  target: PlanTarget,
  ignore: Extract<PlannedStep, { action: 'apply' }>['spec']['driftIgnore'],
  holdsSecret: SecretTest,
  context: StepContext
): Promise<ObjectDrift[]> {
  const objects = await storedObjects(manifestArgs(target), context)
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
  context: StepContext
): Promise<ObjectDrift | undefined> {
  const { client, resources } = apiOf(context)
  const namespace = desired.namespace ?? releaseNamespace
  const object = `${desired.kind}/${namespace}/${desired.name}`
  let path: string
  try {
    ;({ path } = await resources.find({ ...desired, namespace }))
  } catch (error) {
    if (error instanceof UnknownKindError)
      return { object, state: 'unknown-kind', fields: [], reason: error.message }
    throw error
  }
  let live: JsonObject
  try {
    live = await client.get<JsonObject>(path)
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
async function orphans(setup: SetupPlan, context: StepContext): Promise<Result[]> {
  const { shared } = context
  if (shared.config.plans.length > 0) return []
  const { client } = apiOf(context)
  const declared = new Set([
    ...setup.steps.map((s) => releaseKey(s.target)),
    ...shared.plan.problems
      .filter((p) => p.target.setup === setup.setup)
      .map((p) => releaseKey(p.target))
  ])
  const namespaces = [...new Set([...declared].map((key) => key.split('/')[0] as string))]
  const found = await mapLimited(namespaces, OBJECTS_AT_ONCE, async (namespace) => {
    const list = await client.get<{ items?: Array<{ metadata?: SecretMetadata }> }>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets?labelSelector=${encodeURIComponent('owner=helm')}`,
      PARTIAL_METADATA_LIST
    )
    const revisions = revisionsFromSecrets((list.items ?? []).map((i) => i.metadata ?? {}))
    return orphansOf(namespace, revisions, declared)
  })
  return mapLimited(found.flat(), shared.config.parallelPlans, (orphan) => {
    const { namespace, release } = orphan
    const why = `orphan: no plan declares ${releaseKey(orphan)} (deployed by ${orphan.marker.commit.slice(0, 12) || 'an older version'}, revision ${orphan.revision})`
    const step: PlannedStep = {
      action: 'uninstall',
      target: {
        setup: setup.setup,
        namespace,
        release,
        plan: `${setup.setup}/${namespace}/${release}`
      },
      reasons: [why],
      needs: [],
      removal: DEFAULT_REMOVAL
    }
    return stepOf(step, context, {
      step: async (s, c, log) => withOrphan(await orphanStep(s, orphan, why, c, log)),
      outcome: (result) =>
        result.operation === 'uninstall' && result.status === 'succeeded'
          ? 'orphan uninstalled'
          : `orphan ${result.status === 'unchanged' ? 'reported' : result.status}`
    })
  })
}

function withOrphan(result: Result): Result {
  const pruned = result.operation === 'uninstall' && result.status === 'succeeded'
  return withDrift(result, { state: 'orphan', objects: [], corrected: pruned })
}

/** Reported, or uninstalled when prune may: see pruneDecision. */
async function orphanStep(
  step: PlannedStep,
  orphan: OrphanRelease,
  why: string,
  context: StepContext,
  log: PlanLog
): Promise<Result> {
  const { config } = context.shared
  const ownership = ownershipOf(orphan, config.ownershipKey)
  const input: PruneInput = !config.prune
    ? { prune: false }
    : ownership.kind === 'verified'
      ? {
          prune: true,
          ownership,
          outside: objectsOutside(orphan.namespace, await storedScope(step.target, context))
        }
      : { prune: true, ownership }
  const decision = pruneDecision(orphan, input)
  if (decision.kind === 'report') {
    log.line(decision.reason)
    return resultOf(step, {
      operation: null,
      status: 'unchanged',
      revision: orphan.revision,
      notes: [why, decision.reason]
    })
  }
  return act(step, { kind: 'uninstall', notes: [why] }, undefined, context.act, log)
}

/** Where every object `helm uninstall` would delete (manifest) or create (hooks) lives. */
async function storedScope(target: PlanTarget, context: StepContext): Promise<StoredObject[]> {
  const { resources } = apiOf(context)
  const objects = (
    await Promise.all(
      [manifestArgs(target), hooksArgs(target)].map((a) => storedObjects(a, context))
    )
  ).flat()
  return mapLimited(objects, OBJECTS_AT_ONCE, async (object) => {
    let namespaced: boolean | undefined
    try {
      ;({ namespaced } = await resources.find({
        ...object,
        namespace: object.namespace ?? target.namespace
      }))
    } catch (error) {
      if (!(error instanceof UnknownKindError)) throw error
    }
    return { kind: object.kind, name: object.name, namespace: object.namespace, namespaced }
  })
}
