import type { ObjectHealth } from '../types/health.ts'
import { conditionOf, field, hasIntField, intField, kindOf, type LiveObject } from './fields.ts'

// Pure: kstatus's rules for any object, whatever its kind: an object being deleted,
// a spec its controller has not seen yet, and the standard conditions (`Reconciling`,
// `Stalled`, and the widespread but non-standard `Ready`).

export const current = (reason: string): ObjectHealth => ({ verdict: 'current', reason })
export const inProgress = (reason: string): ObjectHealth => ({ verdict: 'in-progress', reason })
export const failed = (reason: string): ObjectHealth => ({ verdict: 'failed', reason })

/** Decided before any kind's own rule; undefined when these say nothing. */
export function genericHealth(object: LiveObject): ObjectHealth | undefined {
  const deletion = field(object, 'metadata.deletionTimestamp')
  // kstatus calls this Terminating: not current, and nothing a rollout can wait out.
  if (typeof deletion === 'string' && deletion !== '')
    return inProgress('Terminating: the object is scheduled for deletion')
  const generation = generationHealth(object)
  if (generation) return generation
  const reconciling = conditionOf(object, 'Reconciling', 'True')
  if (reconciling) return inProgress(conditionText(reconciling, 'Reconciling'))
  const stalled = conditionOf(object, 'Stalled', 'True')
  if (stalled) return failed(conditionText(stalled, 'Stalled'))
  return undefined
}

/** In progress while the controller has not observed the latest spec (when it reports what it observed). */
export function generationHealth(object: LiveObject): ObjectHealth | undefined {
  if (!hasIntField(object, 'metadata.generation')) return undefined
  if (!hasIntField(object, 'status.observedGeneration')) return undefined
  const generation = intField(object, 'metadata.generation', 0)
  const observed = intField(object, 'status.observedGeneration', 0)
  if (observed === generation) return undefined
  return inProgress(
    `${kindOf(object)} generation is ${generation}, but latest observed generation is ${observed}`
  )
}

/** A `Ready` condition, for kinds without rules of their own; undefined without one. */
export function readyConditionHealth(object: LiveObject): ObjectHealth | undefined {
  const ready = conditionOf(object, 'Ready')
  if (!ready) return undefined
  if (ready.status === 'True') return current('Resource is Ready')
  // False or Unknown: kstatus cannot tell a resource making progress from one that never will.
  if (ready.status === 'False' || ready.status === 'Unknown')
    return inProgress(conditionText(ready, `Ready is ${ready.status}`))
  return undefined
}

/** A condition's message, else its reason, else what it is. */
function conditionText(
  condition: { readonly reason: string; readonly message: string },
  what: string
): string {
  if (condition.message !== '') return condition.message
  return condition.reason !== '' ? `${what}: ${condition.reason}` : what
}
