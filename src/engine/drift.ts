import { DEFAULT_REMOVAL } from '../plan/plan-options.ts'
import type { PlanLog } from '../report/plan-log.ts'
import type { PlannedStep, PlanTarget, SetupPlan } from '../types/plan.ts'
import type { ObjectDrift } from '../types/results.ts'
import { KubeApiError, type KubeClient } from '../cluster/client.ts'
import { resourceFinderOf, type ResourceFinder, UnknownKindError } from '../cluster/resources.ts'
import type { Live } from './decide.ts'
import {
  compareObject,
  ignoredPaths,
  manifestObjects,
  type DesiredObject,
  type JsonObject,
  type SecretTest
} from './drift-compare.ts'
import { releaseSecrets } from './drift-secrets.ts'
import { objectsOutside, orphansOf, type StoredObject } from './orphans.ts'
import type { Observed } from './observe.ts'
import { releaseKey } from '../types/plan.ts'
import { mapLimited } from './pool.ts'
import type { HelmCall } from './ports.ts'
import type { Shared, StepContext } from './run.ts'

// What a drift check reads beyond the releases' history: every plan's release as
// deployed (`helm get manifest`) against the live objects, read from the API
// server; and the orphans, releases with this action's marker in the plans'
// namespaces that no plan declares. What is done about them is decide()'s.

const OBJECTS_AT_ONCE = 8

function apiOf(context: StepContext): { client: KubeClient; resources: ResourceFinder } {
  const { client } = context
  if (!client) throw new Error('internal error: a drift check without an API client')
  return { client, resources: resourceFinderOf(client) }
}

/** What decide() asked to read of the live cluster for a step. */
export async function observeLive(
  step: PlannedStep,
  what: Live['kind'],
  context: StepContext,
  log: PlanLog
): Promise<Live> {
  if (what === 'scope')
    return {
      kind: 'scope',
      outside: objectsOutside(step.target.namespace, await storedScope(step.target, context))
    }
  return { kind: 'objects', objects: await liveDrift(step, context, log) }
}

/** The objects of a plan's release that differ from their live copies, each logged. */
export async function liveDrift(
  step: PlannedStep,
  context: StepContext,
  log: PlanLog
): Promise<ObjectDrift[]> {
  if (step.action !== 'apply')
    throw new Error('internal error: live objects are compared for the plans at a commit')
  const secrets = await releaseSecrets(step.target, step.spec.values, {
    ...context.shared,
    helm: context.shared.ports.helm,
    env: context.act.env
  })
  const objects = await compareRelease(step.target, step.spec.driftIgnore, secrets, context)
  for (const object of objects) {
    log.line(`${object.object}: ${object.state}`)
    for (const field of object.fields)
      log.line(`  ${field.path}: ${field.want ?? '(absent)'} → ${field.have ?? '(absent)'}`)
  }
  return objects
}

/** The objects of the release's newest revision as helm stores them: its manifest, or its hooks. */
async function storedObjects(
  target: PlanTarget,
  part: 'manifest' | 'hooks',
  context: StepContext
): Promise<DesiredObject[]> {
  const call: HelmCall = { env: context.act.env, signal: context.shared.signal }
  const { helm } = context.shared.ports
  return manifestObjects(await (part === 'manifest' ? helm.manifest : helm.hooks)(target, call))
}

/** Every object of the deployed manifest against its live copy. */
async function compareRelease(
  target: PlanTarget,
  ignore: Extract<PlannedStep, { action: 'apply' }>['spec']['driftIgnore'],
  holdsSecret: SecretTest,
  context: StepContext
): Promise<ObjectDrift[]> {
  const objects = await storedObjects(target, 'manifest', context)
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

/** Where a setup's orphans are looked for, and the releases that are none. */
export interface OrphanScope {
  /** `namespace/release` of every plan of the setup, the unreadable ones too. */
  readonly declared: ReadonlySet<string>
  readonly namespaces: readonly string[]
}

/**
 * The namespaces the setup's plans use. Only a check of every plan can tell that no
 * plan declares a release: with the `plans` input set, none are looked for.
 */
export function orphanScope(setup: SetupPlan, shared: Shared): OrphanScope | undefined {
  if (shared.config.plans.length > 0) return undefined
  const declared = new Set([
    ...setup.steps.map((s) => releaseKey(s.target)),
    ...shared.plan.problems
      .filter((p) => p.target.setup === setup.setup)
      .map((p) => releaseKey(p.target))
  ])
  const namespaces = [...new Set([...declared].map((key) => key.split('/')[0] as string))]
  return { declared, namespaces }
}

/** The orphans observe's listing found, as uninstall steps, and their observations. */
export function orphanSteps(
  setup: string,
  observed: Observed,
  scope: OrphanScope
): { steps: PlannedStep[]; observed: Observed } {
  const orphans = scope.namespaces.flatMap((namespace) => {
    const listed = observed.listed.get(namespace)
    if (listed instanceof Error) throw listed
    // Not listed: a storage driver other than Secrets, whose releases no drift check sees.
    return listed ? orphansOf(namespace, listed, scope.declared) : []
  })
  const observations = new Map(observed.observations)
  const steps = orphans.map((orphan): PlannedStep => {
    const { namespace, release } = orphan
    observations.set(releaseKey(orphan), orphan.observation)
    return {
      action: 'uninstall',
      target: { setup, namespace, release, plan: `${setup}/${namespace}/${release}` },
      reasons: [
        `orphan: no plan declares ${releaseKey(orphan)} (deployed by ${orphan.marker.commit.slice(0, 12) || 'an older version'}, revision ${orphan.revision})`
      ],
      needs: [],
      removal: DEFAULT_REMOVAL
    }
  })
  return { steps, observed: { ...observed, observations } }
}

/** Where every object `helm uninstall` would delete (manifest) or create (hooks) lives. */
async function storedScope(target: PlanTarget, context: StepContext): Promise<StoredObject[]> {
  const { resources } = apiOf(context)
  const objects = (
    await Promise.all(
      (['manifest', 'hooks'] as const).map((part) => storedObjects(target, part, context))
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
