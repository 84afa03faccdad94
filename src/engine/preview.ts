import type { BasePlan, DiffBase } from '../types/diff-base.ts'
import type { CrdPolicy, PlannedStep, PlanSpec, PlanTarget } from '../types/plan.ts'
import type { RenderDiff, Result } from '../types/results.ts'
import { setupReleaseKey } from '../types/plan.ts'
import type { PlanLog } from '../report/plan-log.ts'
import type { ValuesFiles } from '../secrets/sops-values.ts'
import { setValuesFiles } from '../apply/run-files.ts'
import { translateUserArgs } from '../apply/helm-args.ts'
import type { RenderedObject } from '../render/objects.ts'
import { objectNotes, renderedObjects, withCrdNotes } from './preview-crds.ts'
import {
  countLine,
  diffLines,
  diffObjects,
  DIFF_LINES_PER_RUN,
  truncationNotes
} from '../render/object-diff.ts'
import { optionsNote } from './options-note.ts'
import type { Charts, HelmPort } from './ports.ts'
import { resultOf } from '../report/results.ts'
import { errorMessage } from '../error-message.ts'

// A preview: `helm template` of head, and of the diff base with the base's own
// plan, values and chart, then the object diff. A pull request never reaches a
// cluster: both sides are rendered offline. A base that cannot be rendered is no
// failure of the pull request: head still renders, and the note says why no diff.

/** Where one side of a preview renders from. */
export interface RenderSide {
  /** Folder the plan's paths are relative to (the checkout, or the base commit's files). */
  readonly root: string
  readonly charts: Charts
  /** helm's environment: each side has its own repository config (an alias may differ). */
  readonly env: NodeJS.ProcessEnv
}

export interface PreviewContext {
  readonly helm: HelmPort
  readonly helmArgs: readonly string[]
  readonly signal: AbortSignal
  /** Values files as a preview gets them: encrypted ones are never decrypted. */
  readonly values: ValuesFiles
  /** The run's private folder, for a plan's `set:` values file. */
  readonly scratch: string
  readonly head: RenderSide
  /** Absent: no diff base was asked for (a dry run of a push renders head only). */
  readonly base?: {
    readonly diffBase: DiffBase
    readonly side: RenderSide | undefined
    /** Shared by every plan of the run. */
    readonly budget: DiffBudget
  }
}

/** How many diff lines the run may still keep: one count for every plan of a preview. */
export class DiffBudget {
  #left = DIFF_LINES_PER_RUN

  get left(): number {
    return this.#left
  }

  spend(diff: RenderDiff): void {
    this.#left -= diff.objects.reduce((n, o) => n + diffLines(o.diff), 0)
  }
}

async function renderObjects(
  target: PlanTarget,
  spec: PlanSpec,
  side: RenderSide,
  context: PreviewContext,
  log: PlanLog
): Promise<{ objects: RenderedObject[]; notes: readonly string[] }> {
  const chart = await side.charts.resolve(spec.chart, {
    signal: context.signal,
    onLine: log.onStderr
  })
  const values = await context.values.forPreview(spec.values, side.root)
  for (const note of values.notes) log.line(note)
  const rendered = await context.helm.template(
    {
      target,
      chart,
      version: spec.version,
      values: [...values.paths, ...setValuesFiles(context.scratch, target, spec.options.set)],
      userArgs: translateUserArgs(context.helmArgs, context.helm.major, { serverSide: false }).args,
      // What the CRD policy may apply is shown too (preview-crds.ts).
      includeCrds: true
    },
    {
      env: side.env,
      signal: context.signal,
      onLine: log.onStderr,
      announce: (command) => log.line(command)
    }
  )
  return { objects: renderedObjects(rendered, target.namespace), notes: values.notes }
}

type BaseObjects =
  | { readonly ok: true; readonly objects: RenderedObject[] | undefined }
  /** No diff; `why` is undefined where none was asked for. */
  | { readonly ok: false; readonly why: string | undefined }

/** The base side of a release: its objects, undefined when base had no such plan. */
async function baseObjects(
  target: PlanTarget,
  context: PreviewContext,
  log: PlanLog
): Promise<BaseObjects> {
  const base = context.base
  if (!base) return { ok: false, why: undefined }
  const { diffBase, side } = base
  if (diffBase.kind === 'none' || !side) return { ok: false, why: `no diff: ${diffBase.reason}` }
  const at = `base ${diffBase.sha.slice(0, 12)} (${diffBase.reason})`
  const plan: BasePlan | undefined = diffBase.plans.get(setupReleaseKey(target))
  if (!plan) return { ok: true, objects: undefined }
  if (plan.kind === 'problem')
    return { ok: false, why: `no diff: ${plan.plan} at ${at} cannot be read: ${plan.message}` }
  log.line(`Base: ${plan.plan} at ${at}`)
  try {
    return {
      ok: true,
      objects: (await renderObjects(target, plan.spec, side, context, log)).objects
    }
  } catch (error) {
    return {
      ok: false,
      why: `no diff: ${plan.plan} at ${at} does not render: ${errorMessage(error)}`
    }
  }
}

/** The diff of a plan within what the run may still keep, logged; a CRD of `crds/` says what `policy` does with it. */
function diffOf(
  base: readonly RenderedObject[] | undefined,
  head: readonly RenderedObject[] | undefined,
  context: PreviewContext,
  log: PlanLog,
  policy: CrdPolicy
): RenderDiff {
  const budget = context.base?.budget
  const diff = withCrdNotes(diffObjects(base, head, budget?.left), base, head, policy)
  budget?.spend(diff)
  log.line(countLine(diff))
  for (const object of diff.objects) {
    log.diff(`${object.change} ${object.key}`)
    if (object.note) log.diff(`  (${object.note})`)
    for (const line of object.diff.replace(/\n$/, '').split('\n')) log.diff(`  ${line}`)
  }
  for (const note of truncationNotes(diff)) log.line(note)
  return diff
}

/** `helm template` of an apply step, diffed against base when there is one. */
export async function previewApply(
  step: Extract<PlannedStep, { action: 'apply' }>,
  context: PreviewContext,
  log: PlanLog
): Promise<Result> {
  let head: RenderedObject[]
  // What the head side says beyond the objects: encrypted values left encrypted, release options.
  const said: string[] = []
  try {
    const rendered = await renderObjects(step.target, step.spec, context.head, context, log)
    head = rendered.objects
    said.push(...rendered.notes)
  } catch (error) {
    const result = resultOf(step, {
      operation: 'render',
      status: 'failed',
      error: errorMessage(error)
    })
    log.line(`✖ ${result.error ?? ''}`)
    return result
  }
  const options = optionsNote(step.spec.options)
  if (options) said.push(options)
  const rendered = `renders ${head.length} object(s)`
  log.line(`${rendered}${head.length ? `: ${head.map((o) => o.key).join(', ')}` : ''}`)
  const base = await baseObjects(step.target, context, log)
  if (!base.ok) {
    if (base.why !== undefined) log.line(base.why)
    return resultOf(step, {
      operation: 'render',
      status: 'planned',
      notes: [rendered, ...(base.why !== undefined ? [base.why] : []), ...said]
    })
  }
  const diff = diffOf(base.objects, head, context, log, step.spec.options.crds)
  const unchanged = diff.objects.length === 0
  return resultOf(step, {
    operation: 'render',
    status: unchanged ? 'unchanged' : 'planned',
    notes: [
      unchanged
        ? `renders the same as at base (${head.length} object(s))`
        : `${base.objects ? '' : 'a new plan: '}${countLine(diff)}`,
      ...truncationNotes(diff),
      ...objectNotes(diff),
      ...said
    ],
    diff
  })
}

/** A removed plan: what base rendered is what the uninstall removes. */
export async function previewUninstall(
  step: PlannedStep,
  context: PreviewContext,
  log: PlanLog
): Promise<Result> {
  const would = 'would uninstall the release'
  const base = await baseObjects(step.target, context, log)
  if (!base.ok || !base.objects) {
    const why = base.ok ? undefined : base.why
    if (why !== undefined) log.line(why)
    return resultOf(step, {
      operation: 'uninstall',
      status: 'planned',
      notes: [would, ...(why !== undefined ? [why] : [])]
    })
  }
  // A removed plan's CRDs stay whatever its policy was.
  const diff = diffOf(base.objects, undefined, context, log, 'create')
  return resultOf(step, {
    operation: 'uninstall',
    status: 'planned',
    notes: [`${would}: ${countLine(diff)}`, ...truncationNotes(diff), ...objectNotes(diff)],
    diff
  })
}
