import type { HealthCheck, ObjectHealth } from '../types/health.ts'
import { expressionFor, expressionHealth } from './cel.ts'
import { groupOf, kindOf, stringField, type LiveObject } from './fields.ts'
import { current, genericHealth, readyConditionHealth } from './generic.ts'
import { isIgnored } from './ignore.ts'
import { kindRule } from './kinds.ts'

// Pure: whether one live object is what its release asked for, by kstatus's rules
// (the library Flux and Helm 4 wait with), unless the plan says otherwise.

/**
 * In order: an ignored object is current; a plan's CEL expression for the object's
 * kind replaces every other rule; then kstatus: the generic rules, the kind's own, a
 * `Ready` condition, and otherwise current, as an object of an unknown kind is once
 * it exists. `now` is the clock, for a Pod's scheduling window.
 */
export function objectHealth(
  object: LiveObject,
  check: HealthCheck,
  now: number = Date.now()
): ObjectHealth {
  // Optional add-ons may never become ready (a LoadBalancer Service on a cluster
  // without load balancers, a resource waiting for something outside the release);
  // the plan says not to wait for them.
  if (isIgnored(object, check.ignore)) return current('')
  const expression = expressionFor(check.expressions, object)
  if (expression) return expressionHealth(expression, object)
  const rule = kindRule(groupOf(stringField(object, 'apiVersion', '')), kindOf(object))
  return (
    genericHealth(object) ??
    rule?.(object, now) ??
    readyConditionHealth(object) ??
    current('Resource is current')
  )
}
