import type { CrdPolicy } from '../types/plan.ts'
import type { ObjectChange } from '../types/results.ts'
import { compareObject, type DesiredObject, type JsonObject } from './drift-compare.ts'

// Pure: what the plan's CRD policy does with each CRD of the chart's `crds/` folders.
// helm installs those once and never upgrades them; `create` keeps that and says
// when a CRD differs from the cluster's, `create-replace` applies them before helm,
// unless one drops a version the cluster still stores objects at, and `skip` never
// applies them.

/** `new`: the cluster has no CRD of that name; `changed`: the chart sets a field the live CRD holds otherwise. */
export type CrdChange = 'new' | 'changed' | 'same'

export interface CrdState {
  readonly name: string
  readonly change: CrdChange
  /** Versions in the live CRD's `status.storedVersions` that the chart's CRD no longer lists. */
  readonly dropsStored: readonly string[]
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The version names a CRD serves or stores (`spec.versions[].name`). */
export function crdVersions(crd: JsonObject): string[] {
  const spec = isObject(crd.spec) ? crd.spec : {}
  const versions = Array.isArray(spec.versions) ? spec.versions : []
  return versions.flatMap((v) => (isObject(v) && typeof v.name === 'string' ? [v.name] : []))
}

/**
 * The guard: a version the cluster stored objects at must stay in the CRD until they
 * are migrated and it is taken out of `status.storedVersions`; the API server would
 * refuse the CRD, and dropping it by hand would make those objects unreadable.
 */
export function droppedStoredVersions(chart: JsonObject, live: JsonObject): string[] {
  const status = isObject(live.status) ? live.status : {}
  const stored = Array.isArray(status.storedVersions) ? status.storedVersions : []
  const kept = new Set(crdVersions(chart))
  return stored.filter((v): v is string => typeof v === 'string' && !kept.has(v))
}

/** One CRD of the chart against the cluster's (undefined: there is none). */
export function crdState(chart: DesiredObject, live: JsonObject | undefined): CrdState {
  if (!live) return { name: chart.name, change: 'new', dropsStored: [] }
  const differs = compareObject(chart, live, []).length > 0
  return {
    name: chart.name,
    change: differs ? 'changed' : 'same',
    dropsStored: droppedStoredVersions(chart.body, live)
  }
}

export type ReplacePlan =
  | { readonly kind: 'refuse'; readonly reason: string }
  /** `apply`: the CRDs to apply, in the chart's order; `note` says what was done. */
  | { readonly kind: 'apply'; readonly apply: readonly string[]; readonly note: string | undefined }

/** `crds: create-replace`, before the install or upgrade: all of them, or none when one drops a stored version. */
export function replacePlan(
  states: readonly CrdState[],
  operation: 'install' | 'upgrade'
): ReplacePlan {
  const dropping = states.filter((s) => s.dropsStored.length > 0)
  if (dropping.length > 0) {
    const what = dropping
      .map((s) => `CRD ${s.name} drops version ${s.dropsStored.join(', ')}`)
      .join('; ')
    return {
      kind: 'refuse',
      reason: `crds: create-replace refused: ${what}, which status.storedVersions still lists (objects may be stored at it); no CRD was applied and helm ${operation} was not run. Migrate the stored objects to a version the chart keeps and remove the dropped version from the CRD's status.storedVersions, then deploy again`
    }
  }
  const apply = states.filter((s) => s.change !== 'same')
  const note =
    apply.length > 0
      ? `crds: create-replace applied ${apply.length} CRD(s) server-side before the ${operation}: ${apply.map((s) => `${s.name} (${s.change})`).join(', ')}`
      : undefined
  return { kind: 'apply', apply: apply.map((s) => s.name), note }
}

/**
 * `crds: create`, once helm ran: the CRDs the cluster still holds otherwise (an
 * upgrade never touches them, an install leaves those that existed), each a warning.
 */
export function createWarnings(states: readonly CrdState[]): string[] {
  return states.flatMap((s) => {
    if (s.change === 'same') return []
    if (s.change === 'new')
      return [
        `CRD ${s.name} is new in the chart; under crds: create an upgrade does not create it; set crds: create-replace`
      ]
    const drops =
      s.dropsStored.length > 0
        ? ` (it drops version ${s.dropsStored.join(', ')}, which the cluster still stores: migrate those objects first)`
        : ''
    return [
      `CRD ${s.name} changed in the chart; under crds: create it is not applied; set crds: create-replace${drops}`
    ]
  })
}

/** What a deploy of the previewed change does with one CRD of `crds/` that head renders otherwise than base. */
export interface PreviewedCrd {
  readonly name: string
  readonly change: ObjectChange
  /** The plan is new (an install) or removed (an uninstall); else an upgrade. */
  readonly operation: 'install' | 'upgrade' | 'uninstall'
  /** Versions base's CRD lists and head's does not. */
  readonly dropped: readonly string[]
}

/** The line a preview shows beside a CRD change: what the policy will do with it. */
export function previewNote(policy: CrdPolicy, crd: PreviewedCrd): string {
  const { name, change, operation } = crd
  const what = `CRD ${name} (crds/) ${change === 'added' ? 'is new in the chart' : change === 'removed' ? 'is no longer in the chart' : 'changed in the chart'}`
  if (change === 'removed' || operation === 'uninstall')
    return `${what}: left in the cluster (helm never deletes a CRD of crds/)`
  if (policy === 'skip') return `${what}: ignored (crds: skip)`
  if (policy === 'create-replace') {
    const guard =
      crd.dropped.length > 0
        ? `; it drops version ${crd.dropped.join(', ')}, so the deploy is refused while the cluster stores objects at it`
        : ''
    return `${what}: applied server-side before the ${operation} (crds: create-replace)${guard}`
  }
  if (operation === 'install' && change === 'added')
    return `${what}: created by the install unless the cluster has it (crds: create)`
  return `${what}: not applied under crds: create (a warning on deploy); set crds: create-replace`
}

/** The versions base's CRD lists that head's does not: a deploy under create-replace refuses them while objects are stored at them. */
export function droppedVersions(base: JsonObject, head: JsonObject): string[] {
  const kept = new Set(crdVersions(head))
  return crdVersions(base).filter((v) => !kept.has(v))
}
