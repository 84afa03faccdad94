import { setTimeout as sleep } from 'node:timers/promises'
import type { KubeClient } from '../cluster/client.ts'
import { resourceFinderOf } from '../cluster/resources.ts'
import { errorMessage } from '../error-message.ts'
import type { Health, HealthCheck, ObjectHealth } from '../types/health.ts'
import { clusterText, eventNotes, type Explained } from './events.ts'
import { stringField } from './fields.ts'
import { objectLabel, releaseObjects, type ObjectRef } from './objects.ts'
import { nextPoll } from './poll.ts'
import { readObjects, type LiveRead } from './read.ts'
import { objectHealth } from './rules.ts'

// A release's health read from its API server: every object of its manifest, read
// (one request per kind and namespace) until each is current, one has failed, or
// the time is up; then, for those not current, why, with the cluster's Warning events.

export interface HealthInput {
  readonly client: KubeClient
  /** The release's manifest as helm stored it. */
  readonly manifest: string
  /** The release's namespace: where namespaced objects without one live. */
  readonly namespace: string
  readonly check: HealthCheck
  /** How long to wait for every object to be current; 0: read once (a soak's re-check). */
  readonly timeoutMs: number
  readonly signal: AbortSignal
  /** Told what each read still waits for (the plan's log). */
  readonly onWait?: (line: string) => void
  /** The clock and the wait between reads; real time unless a test says otherwise. */
  readonly clock?: Clock
}

export interface Clock {
  now(): number
  sleep(ms: number, signal: AbortSignal): Promise<void>
}

export interface HealthReport {
  readonly health: Health
  /** For each object that is not current: `Kind/name: reason`, and its newest Warning events. */
  readonly notes: readonly string[]
  /** `current`: every object; `failed`: one failed (no more waiting); `timeout`: time ran out. */
  readonly outcome: 'current' | 'failed' | 'timeout'
  /** The objects not current, as `Kind/name`. */
  readonly notCurrent: readonly string[]
  readonly objects: number
  readonly reads: number
  /** API requests the check made (discovery, reads and events). */
  readonly requests: number
}

/** The objects could not be read (an API error, a denied LIST): the release's health is unknown. */
export class HealthReadError extends Error {}

/** Objects explained with events, at most: the rest are named only. */
export const EXPLAINED_AT_MOST = 10

const realClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await sleep(ms, undefined, { signal })
  }
}

export async function checkHealth(input: HealthInput): Promise<HealthReport> {
  const clock = input.clock ?? realClock
  const { client, requests } = counting(input.client)
  // Discovery is the setup's, shared with drift checks: asked once, not counted again.
  const finder = resourceFinderOf(input.client)
  // An object the plan does not wait for is not read at all: a kind the workflow may
  // not list cannot fail the check.
  const refs = releaseObjects(input.manifest, input.namespace).filter(
    (ref) => !input.check.ignore.includes(objectLabel(ref))
  )
  const started = clock.now()
  let said = ''
  for (let reads = 1; ; reads++) {
    let live: LiveRead[]
    try {
      live = await readObjects(client, finder, refs)
    } catch (error) {
      if (input.signal.aborted) throw error
      throw new HealthReadError(errorMessage(error), { cause: error })
    }
    const now = clock.now()
    const judged = live.map((read) => judge(read, input.check, now))
    const step = nextPoll({
      verdicts: judged.map((j) => j.verdict),
      elapsedMs: now - started,
      timeoutMs: input.timeoutMs,
      reads
    })
    const waiting: Waiting[] = refs.flatMap((ref, i) =>
      judged[i]?.verdict === 'current' ? [] : [{ ref, read: live[i], health: judged[i] }]
    )
    if (step.kind === 'wait') {
      const line = `waiting for ${waiting.length} of ${refs.length} object(s): ${waiting
        .slice(0, 3)
        .map((w) => reasonNote(w.ref, w.health))
        .join('; ')}${waiting.length > 3 ? '; …' : ''}`
      // Told when it changes, not every read.
      if (line !== said) input.onWait?.(line)
      said = line
      await clock.sleep(step.ms, input.signal)
      continue
    }
    const notes = step.health === 'healthy' ? [] : await reasons(client, waiting, input.namespace)
    return {
      health: step.health,
      notes,
      outcome: step.why,
      notCurrent: waiting.map((w) => objectLabel(w.ref)),
      objects: refs.length,
      reads,
      requests: requests()
    }
  }
}

function judge(read: LiveRead | undefined, check: HealthCheck, now: number): ObjectHealth {
  if (!read || read.kind === 'missing') return { verdict: 'in-progress', reason: 'not found' }
  if (read.kind === 'unknown-kind') return { verdict: 'in-progress', reason: read.reason }
  return objectHealth(read.object, check, now)
}

function reasonNote(ref: ObjectRef, health: ObjectHealth | undefined): string {
  return `${objectLabel(ref)}: ${clusterText(health?.reason || health?.verdict || 'not current')}`
}

interface Waiting {
  readonly ref: ObjectRef
  readonly read: LiveRead | undefined
  readonly health: ObjectHealth | undefined
}

/** Each object not current with its reason, then its Warning events (the first objects only). */
async function reasons(
  client: KubeClient,
  waiting: readonly Waiting[],
  namespace: string
): Promise<string[]> {
  const told = waiting.slice(0, EXPLAINED_AT_MOST)
  // A kind the server does not serve has no events to read.
  const readable = told.filter((w) => w.read?.kind !== 'unknown-kind')
  const events = await eventNotes(
    client,
    readable.map((w) => explained(w, namespace))
  )
  const eventsOf = new Map(readable.map((w, i) => [w, events[i] ?? []]))
  const more =
    waiting.length > told.length
      ? [`… and ${waiting.length - told.length} more object(s) not current`]
      : []
  return [
    ...told.flatMap((w) => [reasonNote(w.ref, w.health), ...(eventsOf.get(w) ?? [])]),
    ...more
  ]
}

function explained({ ref, read }: Waiting, namespace: string): Explained {
  const found = read?.kind === 'found' ? read.object : undefined
  const namespaced = read?.kind !== 'found' && read?.kind !== 'missing' ? true : read.namespaced
  return {
    label: objectLabel(ref),
    kind: ref.kind,
    name: ref.name,
    // A cluster-scoped object's events are recorded in `default`.
    namespace: namespaced
      ? (found && stringField(found, 'metadata.namespace', '')) || ref.namespace || namespace
      : 'default',
    live: found
  }
}

/** The client, counting the requests made through it. */
function counting(client: KubeClient): { client: KubeClient; requests: () => number } {
  let count = 0
  return {
    client: {
      server: client.server,
      get: <T>(path: string, accept?: string): Promise<T> => {
        count++
        return client.get<T>(path, accept)
      },
      mergePatch: (path, patch) => {
        count++
        return client.mergePatch(path, patch)
      },
      apply: <T>(path: string, object: unknown, fieldManager: string): Promise<T> => {
        count++
        return client.apply<T>(path, object, fieldManager)
      },
      close: () => client.close()
    },
    requests: () => count
  }
}
