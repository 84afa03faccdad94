import { listItems, type KubeClient } from '../cluster/client.ts'
import { errorMessage } from '../error-message.ts'
import { oneLine } from '../report/markdown.ts'
import { field, listField, stringField, type LiveObject } from './fields.ts'

// Why an object is not current, in words a person can act on: the newest Warning
// events about it and, for a workload, about its Pods (`FailedScheduling`,
// `BackOff`, `ErrImagePull`). Everything here comes from the cluster: untrusted
// text, kept to one line and cut short before it reaches a note or the log.

/** Warning events told an object, and as many about its Pods. */
export const EVENTS_AN_OBJECT = 2
/** A message longer than this is cut (an event may quote a whole webhook answer). */
export const MAX_TEXT = 300

/** Workloads whose Pods' events say why they are not ready (Pods by the workload's selector). */
const WORKLOADS: ReadonlySet<string> = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job'
])

export interface WarningEvent {
  /** The object it is about, as `Kind/name`. */
  readonly about: string
  readonly reason: string
  readonly message: string
  readonly count: number
  /** ms since epoch (0 when the event has no time). */
  readonly time: number
}

/** Text from the cluster on one line, at most `max` characters. */
export function clusterText(text: string, max = MAX_TEXT): string {
  const line = oneLine(text).trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/** The Warning events among the items of an events list, newest first, the same reason and message once. */
export function newestWarnings(items: readonly unknown[], max = EVENTS_AN_OBJECT): WarningEvent[] {
  const events = items
    .filter((item): item is LiveObject => typeof item === 'object' && item !== null)
    .filter((item) => stringField(item, 'type', '') === 'Warning')
    .map((item): WarningEvent => ({
      about: `${stringField(item, 'involvedObject.kind', '?')}/${stringField(item, 'involvedObject.name', '?')}`,
      reason: stringField(item, 'reason', ''),
      message: stringField(item, 'message', ''),
      count: countOf(item),
      time: timeOf(item)
    }))
    .sort((a, b) => b.time - a.time)
  const seen = new Set<string>()
  return events
    .filter((e) => {
      const key = `${e.reason}\0${e.message}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    .slice(0, max)
}

function countOf(event: LiveObject): number {
  const count = field(event, 'count') ?? field(event, 'series.count')
  return typeof count === 'number' && count > 1 ? count : 1
}

/** The latest time an event says it happened. */
function timeOf(event: LiveObject): number {
  return Math.max(
    0,
    ...['lastTimestamp', 'series.lastObservedTime', 'eventTime', 'metadata.creationTimestamp']
      .map((path) => Date.parse(stringField(event, path, '')))
      .filter((time) => !Number.isNaN(time))
  )
}

/** A note on an event: `Kind/name: Warning Reason (×3): message`, the Pod named when it is about one. */
export function eventNote(object: string, event: WarningEvent): string {
  const about = event.about === object ? '' : `${event.about} `
  const times = event.count > 1 ? ` (×${event.count})` : ''
  return `${object}: ${clusterText(`${about}Warning ${event.reason}${times}: ${event.message}`)}`
}

/** A workload's Pod selector as a label selector (`app=web,tier in (a,b)`); undefined for other kinds or none. */
export function podSelector(object: LiveObject): string | undefined {
  if (!WORKLOADS.has(stringField(object, 'kind', ''))) return undefined
  const selector = field(object, 'spec.selector')
  if (typeof selector !== 'object' || selector === null) return undefined
  const parts: string[] = []
  const labels = field(object, 'spec.selector.matchLabels')
  if (typeof labels === 'object' && labels !== null)
    for (const [key, value] of Object.entries(labels))
      if (typeof value === 'string') parts.push(`${key}=${value}`)
  for (const entry of listField(object, 'spec.selector.matchExpressions')) {
    if (typeof entry !== 'object' || entry === null) continue
    const expression = entry as LiveObject
    const key = stringField(expression, 'key', '')
    const values = listField(expression, 'values').filter((v) => typeof v === 'string')
    switch (stringField(expression, 'operator', '')) {
      case 'In':
        parts.push(`${key} in (${values.join(',')})`)
        break
      case 'NotIn':
        parts.push(`${key} notin (${values.join(',')})`)
        break
      case 'Exists':
        parts.push(key)
        break
      case 'DoesNotExist':
        parts.push(`!${key}`)
        break
    }
  }
  // An empty selector would select every Pod of the namespace.
  return parts.length > 0 ? parts.join(',') : undefined
}

/** What explains one object: its own Warning events, and its Pods' when it is a workload. */
export interface Explained {
  readonly label: string
  readonly kind: string
  readonly name: string
  /** Where its events are: its namespace (a cluster-scoped object's go to `default`). */
  readonly namespace: string
  /** The live object, when it was found (a workload's selector is read from it). */
  readonly live: LiveObject | undefined
}

/**
 * The event notes of the objects, read from the cluster: one events list an object,
 * and for workloads one Pod list and one list of Pod warnings a namespace. A read that
 * fails is told in a note; it never fails the check. The notes of each object, in order.
 */
export async function eventNotes(
  client: KubeClient,
  objects: readonly Explained[]
): Promise<string[][]> {
  const podWarnings = new Map<string, Promise<unknown[]>>()
  const all: string[][] = []
  for (const object of objects) {
    const notes: string[] = []
    all.push(notes)
    try {
      const own = await listItems(client, eventsOf(object.namespace), {
        fieldSelector: `involvedObject.name=${object.name},involvedObject.kind=${object.kind},type=Warning`
      })
      notes.push(...newestWarnings(own).map((e) => eventNote(object.label, e)))
      const selector = object.live && podSelector(object.live)
      if (!selector) continue
      const pods = await listItems(
        client,
        `/api/v1/namespaces/${encodeURIComponent(object.namespace)}/pods`,
        { labelSelector: selector }
      )
      const names = new Set(
        pods.flatMap((p) =>
          typeof p === 'object' && p !== null
            ? [stringField(p as LiveObject, 'metadata.name', '')]
            : []
        )
      )
      if (names.size === 0) continue
      let warnings = podWarnings.get(object.namespace)
      if (!warnings) {
        warnings = listItems(client, eventsOf(object.namespace), {
          fieldSelector: 'involvedObject.kind=Pod,type=Warning'
        })
        podWarnings.set(object.namespace, warnings)
      }
      const ofPods = (await warnings).filter(
        (e) =>
          typeof e === 'object' &&
          e !== null &&
          names.has(stringField(e as LiveObject, 'involvedObject.name', ''))
      )
      notes.push(...newestWarnings(ofPods).map((e) => eventNote(object.label, e)))
    } catch (error) {
      notes.push(
        `${object.label}: its events could not be read (${clusterText(errorMessage(error))})`
      )
    }
  }
  return all
}

function eventsOf(namespace: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`
}
