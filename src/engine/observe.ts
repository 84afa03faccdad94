import { releaseKey, type PlannedStep, type PlanTarget } from '../types/plan.ts'
import type { KubeClient } from '../cluster/client.ts'
import { mapLimited } from './pool.ts'
import type { HelmPort } from './ports.ts'
import {
  observe,
  revisionsFromHistory,
  revisionsFromSecrets,
  type Observation,
  type Revision,
  type SecretMetadata
} from './observation.ts'
import { errorMessage } from '../error-message.ts'

// What the cluster holds for every release of a setup's plans, read once before
// any plan runs: one metadata-only LIST of helm's release Secrets a namespace.
// helm itself is asked only where the Secrets cannot tell (another storage
// driver, no API access, a release marked by an older version of the action).

const PARTIAL_METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1'
/** Other storage drivers (configmap, sql, memory) are read through helm. */
const SECRET_DRIVERS = new Set(['', 'secret', 'secrets'])
const HISTORY_CALLS_AT_ONCE = 4

export interface ObserveContext {
  readonly helm: HelmPort
  readonly env: NodeJS.ProcessEnv
  readonly signal: AbortSignal
  /** Undefined when the API server could not be reached directly. */
  readonly client: KubeClient | undefined
}

export interface Observed {
  /** By releaseKey. */
  readonly observations: ReadonlyMap<string, Observation>
  /** Observations that failed, by releaseKey: those plans fail with it. */
  readonly errors: ReadonlyMap<string, string>
  /** How the releases were read, for the log. */
  readonly how: string
  /** Every namespace was listed through the API: the client works for marking releases too. */
  readonly viaApi: boolean
  /**
   * Every release revision of each namespace as listed, or why it could not be (the
   * releases no plan declares are a drift check's orphans).
   */
  readonly listed: ReadonlyMap<string, readonly Revision[] | Error>
}

/** `alsoList`: namespaces listed though no step is in them (a drift check's orphans). */
export async function observeReleases(
  steps: readonly PlannedStep[],
  context: ObserveContext,
  alsoList: readonly string[] = []
): Promise<Observed> {
  const observations = new Map<string, Observation>()
  const errors = new Map<string, string>()
  const listed = new Map<string, readonly Revision[] | Error>()
  const byHelm: PlanTarget[] = []
  const secretDriver = SECRET_DRIVERS.has((context.env.HELM_DRIVER ?? '').toLowerCase())
  let listedNamespaces = 0
  if (context.client && secretDriver) {
    const client = context.client
    const namespaces = [...new Set([...steps.map((s) => s.target.namespace), ...alsoList])]
    const found = await mapLimited(namespaces, HISTORY_CALLS_AT_ONCE, (ns) =>
      listRevisions(client, ns).then(
        (revisions) => ({ ns, revisions }),
        (error: unknown) => ({ ns, error })
      )
    )
    for (const entry of found) {
      const targets = steps.map((s) => s.target).filter((t) => t.namespace === entry.ns)
      if ('error' in entry) {
        listed.set(
          entry.ns,
          entry.error instanceof Error ? entry.error : new Error(String(entry.error))
        )
        // Not allowed to list, or unreachable: helm says what it can.
        byHelm.push(...targets)
        continue
      }
      listed.set(entry.ns, entry.revisions)
      if (targets.length > 0) listedNamespaces++
      for (const target of targets) {
        const observation = observe(entry.revisions.filter((r) => r.release === target.release))
        // A release of an older version of the action is marked in its description only.
        if (observation.kind === 'foreign') byHelm.push(target)
        else observations.set(releaseKey(target), observation)
      }
    }
  } else {
    byHelm.push(...steps.map((s) => s.target))
  }
  await mapLimited(byHelm, HISTORY_CALLS_AT_ONCE, async (target) => {
    try {
      observations.set(releaseKey(target), observe(await historyOf(target, context)))
    } catch (error) {
      errors.set(releaseKey(target), errorMessage(error))
    }
  })
  const how = `${listedNamespaces} namespace(s) listed through the API, ${byHelm.length} release(s) through helm history`
  const namespaces = new Set(steps.map((s) => s.target.namespace)).size
  return { observations, errors, how, viaApi: listedNamespaces === namespaces, listed }
}

async function listRevisions(client: KubeClient, namespace: string): Promise<Revision[]> {
  const list = await client.get<{ items?: Array<{ metadata?: SecretMetadata }> }>(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets?labelSelector=${encodeURIComponent('owner=helm')}`,
    PARTIAL_METADATA_LIST
  )
  return revisionsFromSecrets((list.items ?? []).map((item) => item.metadata ?? {}))
}

async function historyOf(target: PlanTarget, context: ObserveContext): Promise<Revision[]> {
  const history = await context.helm.history(target, { env: context.env, signal: context.signal })
  return history === undefined ? [] : revisionsFromHistory(target.release, history)
}
