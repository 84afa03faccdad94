import type { ObjectHealth } from '../types/health.ts'
import {
  boolField,
  conditionOf,
  conditions,
  field,
  hasIntField,
  intField,
  kindOf,
  listField,
  stringField,
  type LiveObject
} from './fields.ts'
import { current, failed, inProgress } from './generic.ts'

// Pure: kstatus's rules for the kinds it knows, by `group/Kind` (core kinds without
// a group). Where a rollout asks more than kstatus, it says so beside the rule.

type KindRule = (object: LiveObject, now: number) => ObjectHealth

/** How long a Pod may stay unscheduled before it is reported as failed (kstatus's window). */
export const SCHEDULE_WINDOW_MS = 15_000

/** The controller's "no deadline" (kstatus reads a missing deadline as none). */
const NO_DEADLINE = 2 ** 31 - 1

const always =
  (reason: string): KindRule =>
  () =>
    current(reason)

const RULES: Readonly<Record<string, KindRule>> = {
  Service: service,
  Pod: pod,
  Secret: always('Resource is always ready'),
  ConfigMap: always('Resource is always ready'),
  PersistentVolumeClaim: persistentVolumeClaim,
  'apps/Deployment': deployment,
  'extensions/Deployment': deployment,
  'apps/StatefulSet': statefulSet,
  'apps/DaemonSet': daemonSet,
  'extensions/DaemonSet': daemonSet,
  'apps/ReplicaSet': replicaSet,
  'extensions/ReplicaSet': replicaSet,
  'policy/PodDisruptionBudget': always('AllowedDisruptions has been computed.'),
  'batch/Job': job,
  'batch/CronJob': always('Resource is always ready'),
  'apiextensions.k8s.io/CustomResourceDefinition': customResourceDefinition
}

/** The rule for a group and kind, if kstatus knows the kind. */
export function kindRule(group: string, kind: string): KindRule | undefined {
  const key = group === '' ? kind : `${group}/${kind}`
  return Object.hasOwn(RULES, key) ? RULES[key] : undefined
}

function deployment(object: LiveObject): ObjectHealth {
  // Without a deadline the controller never reports progress, so nothing waits for it.
  let rolledOut = intField(object, 'spec.progressDeadlineSeconds', NO_DEADLINE) === NO_DEADLINE
  let available = false
  for (const c of conditions(object)) {
    if (c.type === 'Progressing') {
      if (c.reason === 'ProgressDeadlineExceeded')
        return failed(withMessage('Progress deadline exceeded', c.message))
      if (c.status === 'True' && c.reason === 'NewReplicaSetAvailable') rolledOut = true
    } else if (c.type === 'Available' && c.status === 'True') available = true
  }
  const spec = intField(object, 'spec.replicas', 1)
  const replicas = intField(object, 'status.replicas', 0)
  const updated = intField(object, 'status.updatedReplicas', 0)
  const ready = intField(object, 'status.readyReplicas', 0)
  const availableReplicas = intField(object, 'status.availableReplicas', 0)
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`)
  if (spec > updated) return inProgress(`Updated: ${updated}/${spec}`)
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`)
  if (updated > availableReplicas) return inProgress(`Available: ${availableReplicas}/${updated}`)
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`)
  if (!rolledOut) return inProgress('ReplicaSet not Available')
  if (!available) return inProgress('Deployment not Available')
  return current(`Deployment is available. Replicas: ${replicas}`)
}

function statefulSet(object: LiveObject): ObjectHealth {
  // OnDelete: the user replaces the Pods, so no rollout is ever waited for.
  if (stringField(object, 'spec.updateStrategy.type', '') === 'OnDelete')
    return current('StatefulSet is using the ondelete update strategy')
  const spec = intField(object, 'spec.replicas', 1)
  const replicas = intField(object, 'status.replicas', 0)
  const ready = intField(object, 'status.readyReplicas', 0)
  const currentReplicas = intField(object, 'status.currentReplicas', 0)
  const updated = intField(object, 'status.updatedReplicas', 0)
  const partition = intField(object, 'spec.updateStrategy.rollingUpdate.partition', -1)
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`)
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`)
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`)
  if (partition !== -1) {
    // Only the Pods at or above the partition are updated.
    if (updated < spec - partition) return inProgress(`Updated: ${updated}/${spec - partition}`)
    return current(`Partition rollout complete. Updated: ${updated}`)
  }
  if (spec > currentReplicas) return inProgress(`Current: ${currentReplicas}/${spec}`)
  if (
    stringField(object, 'status.currentRevision', '') !==
    stringField(object, 'status.updateRevision', '')
  )
    return inProgress('Waiting for updated revision to match current')
  return current(`All replicas scheduled as expected. Replicas: ${replicas}`)
}

function daemonSet(object: LiveObject): ObjectHealth {
  // Its controller always writes both: until it has, it has not seen the DaemonSet.
  for (const path of ['metadata.generation', 'status.observedGeneration'])
    if (!hasIntField(object, path)) return inProgress(`${kindOf(object)} ${path} not found`)
  if (!hasIntField(object, 'status.desiredNumberScheduled'))
    return inProgress('Missing .status.desiredNumberScheduled')
  const desired = intField(object, 'status.desiredNumberScheduled', 0)
  const checks: [string, string][] = [
    ['Current', 'status.currentNumberScheduled'],
    ['Updated', 'status.updatedNumberScheduled'],
    ['Available', 'status.numberAvailable'],
    ['Ready', 'status.numberReady']
  ]
  for (const [what, path] of checks) {
    const count = intField(object, path, 0)
    if (desired > count) return inProgress(`${what}: ${count}/${desired}`)
  }
  return current(`All replicas scheduled as expected. Replicas: ${desired}`)
}

function replicaSet(object: LiveObject): ObjectHealth {
  if (conditionOf(object, 'ReplicaFailure', 'True'))
    return inProgress('Replica Failure condition. Check Pods')
  const spec = intField(object, 'spec.replicas', 1)
  const replicas = intField(object, 'status.replicas', 0)
  const labelled = intField(object, 'status.fullyLabeledReplicas', 0)
  const available = intField(object, 'status.availableReplicas', 0)
  const ready = intField(object, 'status.readyReplicas', 0)
  if (spec > labelled) return inProgress(`Labelled: ${labelled}/${spec}`)
  if (spec > available) return inProgress(`Available: ${available}/${spec}`)
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`)
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`)
  return current(`ReplicaSet is available. Replicas: ${replicas}`)
}

function persistentVolumeClaim(object: LiveObject): ObjectHealth {
  const phase = stringField(object, 'status.phase', 'unknown')
  return phase === 'Bound'
    ? current('PVC is Bound')
    : inProgress(`PVC is not Bound. phase: ${phase}`)
}

function pod(object: LiveObject, now: number): ObjectHealth {
  const phase = stringField(object, 'status.phase', '')
  switch (phase) {
    case 'Succeeded':
      return current('Pod has completed successfully')
    case 'Failed':
      // kstatus calls a finished Pod current either way; a Pod the release deploys that
      // failed is not running, which is what a health check asks.
      return failed(
        withMessage(
          'Pod has completed, but not successfully',
          stringField(object, 'status.message', '')
        )
      )
    case 'Running': {
      if (conditionOf(object, 'Ready', 'True')) return current('Pod is Ready')
      const looping = crashLooping(object)
      if (looping.length > 0) return failed(`Containers in CrashLoop state: ${looping.join(',')}`)
      return inProgress('Pod is running but is not Ready')
    }
    case 'Pending': {
      const scheduled = conditionOf(object, 'PodScheduled', 'False')
      if (scheduled?.reason !== 'Unschedulable') return inProgress('Pod is in the Pending phase')
      const created = Date.parse(stringField(object, 'metadata.creationTimestamp', ''))
      // A scheduler retries for a while: only a Pod unscheduled for longer has failed.
      if (Number.isNaN(created) || now - created < SCHEDULE_WINDOW_MS)
        return inProgress(withMessage('Pod has not been scheduled', scheduled.message))
      return failed(withMessage('Pod could not be scheduled', scheduled.message))
    }
    case '':
      return inProgress('Pod phase not available')
    default:
      return inProgress(`Pod phase is ${phase}`)
  }
}

/** Names of the containers waiting in CrashLoopBackOff. */
function crashLooping(object: LiveObject): string[] {
  return listField(object, 'status.containerStatuses').flatMap((status) => {
    if (typeof status !== 'object' || status === null) return []
    const container = status as LiveObject
    const name = field(container, 'name')
    const reason = field(container, 'state.waiting.reason')
    return typeof name === 'string' && reason === 'CrashLoopBackOff' ? [name] : []
  })
}

function job(object: LiveObject): ObjectHealth {
  const parallelism = intField(object, 'spec.parallelism', 1)
  const completions = intField(object, 'spec.completions', parallelism)
  const succeeded = intField(object, 'status.succeeded', 0)
  const active = intField(object, 'status.active', 0)
  const failures = intField(object, 'status.failed', 0)
  for (const c of conditions(object)) {
    if (c.status !== 'True') continue
    if (c.type === 'Complete')
      return current(`Job Completed. succeeded: ${succeeded}/${completions}`)
    if (c.type === 'Failed')
      return failed(
        `Job Failed. failed: ${failures}/${completions}${c.message === '' ? '' : ` (${c.message})`}`
      )
    if (c.type === 'Suspended' && boolField(object, 'spec.suspend', false))
      return current('Job is suspended')
  }
  if (stringField(object, 'status.startTime', '') === '') return inProgress('Job not started')
  // kstatus calls a running Job current; a rollout waits for what the Job does to be done.
  return inProgress(
    `Job in progress. succeeded: ${succeeded}/${completions}, active: ${active}, failed: ${failures}`
  )
}

function service(object: LiveObject): ObjectHealth {
  if (stringField(object, 'spec.type', 'ClusterIP') !== 'LoadBalancer')
    return current('Service is ready')
  if (stringField(object, 'spec.clusterIP', '') === '')
    return inProgress('ClusterIP not set. Service type: LoadBalancer')
  // kstatus stops at the cluster IP; a rollout (as helm's wait) asks for an address
  // from the load balancer too, unless the Service names its external IPs itself.
  if (listField(object, 'spec.externalIPs').length > 0) return current('Service is ready')
  const ingress = listField(object, 'status.loadBalancer.ingress').some(
    (entry) =>
      typeof entry === 'object' &&
      entry !== null &&
      (stringField(entry as LiveObject, 'ip', '') !== '' ||
        stringField(entry as LiveObject, 'hostname', '') !== '')
  )
  return ingress
    ? current('Service is ready')
    : inProgress(
        'No load balancer ingress yet (status.loadBalancer.ingress is empty). Service type: LoadBalancer'
      )
}

function customResourceDefinition(object: LiveObject): ObjectHealth {
  for (const c of conditions(object)) {
    if (c.type === 'NamesAccepted' && c.status === 'False')
      return failed(c.message || `NamesAccepted is False: ${c.reason}`)
    if (c.type === 'Established') {
      if (c.status === 'False' && c.reason !== 'Installing')
        return failed(c.message || `Established is False: ${c.reason}`)
      if (c.status === 'True') return current('CRD is established')
    }
  }
  return inProgress('Install in progress')
}

function withMessage(reason: string, message: string): string {
  return message === '' ? reason : `${reason}: ${message}`
}
