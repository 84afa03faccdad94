import { setTimeout as sleep } from 'node:timers/promises'
import {
  chartIdentity,
  folderHasCrds,
  pulledChartCrds,
  type CrdPresence
} from '../apply/chart-archives.ts'
import { KubeApiError, type KubeClient } from '../cluster/client.ts'
import { errorMessage } from '../error-message.ts'
import { splitCrds } from '../render/chart-crds.ts'
import type { PlanLog } from '../report/plan-log.ts'
import type { ChartSource, CrdPolicy } from '../types/plan.ts'
import { createWarnings, crdState, replacePlan, type CrdState } from './crd-policy.ts'
import { manifestObjects, type DesiredObject, type JsonObject } from './drift-compare.ts'
import type { HelmCall, HelmPort, TemplateInput } from './ports.ts'

// The CRD policy carried out around an install or upgrade: the chart's `crds/` CRDs
// read (helm renders them only when the chart may have some), compared with the
// cluster's, and, under `create-replace`, applied server-side before helm runs
// (helm then gets `--skip-crds`); under `create`, what helm left differing is a
// warning once it ran. What to do is crd-policy.ts's.

/** The field manager of every CRD the action applies. */
export const FIELD_MANAGER = 'gitops-action'
/** How long an applied CRD may take to be served before helm would fail on its kinds. */
const ESTABLISHED_WITHIN_MS = 60_000
const ESTABLISHED_POLL_MS = 250
/** One process is one run: an archive helm pulled before it started is no run's of ours. */
const RUN_STARTED = performance.timeOrigin

export interface CrdStep {
  readonly policy: CrdPolicy
  readonly operation: 'install' | 'upgrade'
  readonly source: ChartSource
  /** The chart and values as the install or upgrade gets them. */
  readonly template: TemplateInput
  /** The version the plan pins, when it names one exactly (a remote chart's archive is found by it). */
  readonly version: string | undefined
}

export interface CrdContext {
  readonly helm: HelmPort
  /** Undefined: no API client could be built from the setup's kubeconfig. */
  readonly client: KubeClient | undefined
  readonly call: HelmCall
  readonly signal: AbortSignal
  readonly log: PlanLog
}

export interface CrdOutcome {
  readonly notes: readonly string[]
  readonly warnings: readonly string[]
}

const NOTHING: CrdOutcome = { notes: [], warnings: [] }

/** `create-replace`: the chart's CRDs applied before helm; throws (nothing applied) when the guard refuses. */
export async function crdsBeforeHelm(step: CrdStep, context: CrdContext): Promise<CrdOutcome> {
  if (step.policy !== 'create-replace') return NOTHING
  const client = context.client
  if (!client)
    throw new Error(
      "crds: create-replace applies the chart's CRDs through the API server, and this setup has no API client (none could be built from its kubeconfig, or it could not list the releases' Secrets); helm was not run"
    )
  const crds = await chartCrds(step, step.version, context)
  if (crds.length === 0) return NOTHING
  const states = await compare(crds, client, context)
  const plan = replacePlan(states, step.operation)
  if (plan.kind === 'refuse') throw new Error(plan.reason)
  for (const name of plan.apply) {
    const crd = crds.find((c) => c.name === name) as DesiredObject
    context.log.line(`Applying CRD ${name} server-side (field manager ${FIELD_MANAGER})`)
    await client.apply(crdPath(crd), crd.body, FIELD_MANAGER)
  }
  for (const name of plan.apply)
    await established(client, crds.find((c) => c.name === name) as DesiredObject, context.signal)
  if (plan.note) context.log.line(plan.note)
  return { notes: plan.note ? [plan.note] : [], warnings: [] }
}

/**
 * `create`, once helm ran (its archive of a remote chart is then in helm's cache): the
 * CRDs the cluster holds otherwise than the chart, as warnings. Never throws: what it
 * cannot tell is a note, and the plan's outcome is helm's. After a failed helm call
 * (`failed`), only a chart known to have CRDs is rendered: the warning may say why it
 * failed (a kind of a CRD the upgrade did not create), and a chart that may have none
 * costs no helm process there.
 */
export async function crdsAfterHelm(
  step: CrdStep,
  chartVersion: string | undefined,
  context: CrdContext,
  failed = false
): Promise<CrdOutcome> {
  if (step.policy !== 'create') return NOTHING
  try {
    const version = chartVersion || step.version
    if (failed && (await presenceOf(step, version, context)) !== 'some') return NOTHING
    const crds = await chartCrds(step, version, context)
    if (crds.length === 0) return NOTHING
    if (!context.client)
      return {
        notes: [
          `the chart's CRDs (${crds.map((c) => c.name).join(', ')}) were not compared with the cluster's: no API client could be built from the setup's kubeconfig`
        ],
        warnings: []
      }
    const warnings = createWarnings(await compare(crds, context.client, context))
    for (const warning of warnings) context.log.line(`⚠ ${warning}`)
    return { notes: [], warnings }
  } catch (error) {
    const note = `the chart's CRDs could not be compared with the cluster's: ${errorMessage(error)}`
    context.log.line(note)
    return { notes: [note], warnings: [] }
  }
}

/** The CRDs an install would create from `crds/` folders (conditions on subcharts included). */
async function chartCrds(
  step: CrdStep,
  version: string | undefined,
  context: CrdContext
): Promise<DesiredObject[]> {
  const presence = await presenceOf(step, version, context)
  if (presence === 'none') return []
  const manifest = await context.helm.template(
    { ...step.template, includeCrds: true },
    context.call
  )
  const crds = manifestObjects(splitCrds(manifest).crds).filter(
    (o) => o.kind === 'CustomResourceDefinition' && o.apiVersion.startsWith('apiextensions.k8s.io/')
  )
  context.log.line(
    crds.length > 0
      ? `CRDs in the chart's crds/ folders: ${crds.map((c) => c.name).join(', ')}`
      : "no CRD in the chart's crds/ folders"
  )
  return crds
}

/** Cheap where it can be told: a local chart's folders, a remote chart's archive helm pulled in this run. */
async function presenceOf(
  step: CrdStep,
  version: string | undefined,
  context: CrdContext
): Promise<CrdPresence> {
  if (step.source.kind === 'local')
    return (await folderHasCrds(step.template.chart)) ? 'some' : 'none'
  const identity = chartIdentity(step.source, version)
  return identity ? pulledChartCrds(context.call.env, identity, RUN_STARTED) : 'unknown'
}

/** A version the plan pins exactly (`1.2.3`, `v1.2.3-rc.1`), not a range: a pulled archive is found by it. */
export function exactVersion(version: string | undefined): string | undefined {
  return version !== undefined && /^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/.test(version)
    ? version
    : undefined
}

function crdPath(crd: DesiredObject): string {
  return `/apis/${crd.apiVersion}/customresourcedefinitions/${encodeURIComponent(crd.name)}`
}

async function live(client: KubeClient, crd: DesiredObject): Promise<JsonObject | undefined> {
  try {
    return await client.get<JsonObject>(crdPath(crd))
  } catch (error) {
    if (error instanceof KubeApiError && error.statusCode === 404) return undefined
    throw error
  }
}

async function compare(
  crds: readonly DesiredObject[],
  client: KubeClient,
  context: CrdContext
): Promise<CrdState[]> {
  const states = await Promise.all(crds.map(async (crd) => crdState(crd, await live(client, crd))))
  for (const s of states)
    context.log.line(
      `CRD ${s.name}: ${s.change === 'same' ? 'as in the cluster' : s.change === 'new' ? 'not in the cluster' : 'differs from the cluster'}`
    )
  return states
}

/** Until the API server serves the CRD's kinds: helm would otherwise fail on the release's custom resources. */
async function established(
  client: KubeClient,
  crd: DesiredObject,
  signal: AbortSignal
): Promise<void> {
  const deadline = Date.now() + ESTABLISHED_WITHIN_MS
  for (;;) {
    const found = await live(client, crd)
    const conditions = (found?.status as { conditions?: unknown } | undefined)?.conditions
    const ok =
      Array.isArray(conditions) &&
      conditions.some(
        (c: { type?: unknown; status?: unknown }) => c.type === 'Established' && c.status === 'True'
      )
    if (ok) return
    if (Date.now() > deadline)
      throw new Error(
        `CRD ${crd.name} was applied but is not established after ${ESTABLISHED_WITHIN_MS / 1000} s; helm was not run`
      )
    await sleep(ESTABLISHED_POLL_MS, undefined, { signal })
  }
}
