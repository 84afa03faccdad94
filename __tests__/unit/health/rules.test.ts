import { describe, expect, it } from 'vitest'
import { objectHealth } from '../../../src/health/rules.ts'
import { NO_HEALTH_CHECK, type HealthCheck, type ObjectHealth } from '../../../src/types/health.ts'

// Objects shaped as the API server returns them (the fields the rules read, and a
// few around them), by kind: current, in progress and failed.

type Json = Record<string, unknown>

const NOW = Date.parse('2025-03-01T12:00:00Z')
const LONG_AGO = '2025-03-01T11:58:00Z'
const JUST_NOW = '2025-03-01T11:59:55Z'

const current = (reason: string): ObjectHealth => ({ verdict: 'current', reason })
const inProgress = (reason: string): ObjectHealth => ({ verdict: 'in-progress', reason })
const failed = (reason: string): ObjectHealth => ({ verdict: 'failed', reason })

const condition = (type: string, status: string, reason = '', message = ''): Json => ({
  type,
  status,
  lastTransitionTime: LONG_AGO,
  ...(reason ? { reason } : {}),
  ...(message ? { message } : {})
})

/** An object of a kind, observed by its controller (generation 3) unless `status` says otherwise. */
function object(apiVersion: string, kind: string, spec: Json, status: Json, meta: Json = {}): Json {
  return {
    apiVersion,
    kind,
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: '6f1c2a9e-0b7d-4a51-9c1e-3f2d8e7a4b10',
      generation: 3,
      creationTimestamp: LONG_AGO,
      labels: { 'app.kubernetes.io/managed-by': 'Helm' },
      ...meta
    },
    spec,
    status: { observedGeneration: 3, ...status }
  }
}

const AVAILABLE = condition(
  'Available',
  'True',
  'MinimumReplicasAvailable',
  'Deployment has minimum availability.'
)
const ROLLED_OUT = condition(
  'Progressing',
  'True',
  'NewReplicaSetAvailable',
  'ReplicaSet "web-7d4b9c8f6" has successfully progressed.'
)
const deployment = (status: Json, spec: Json = {}, meta: Json = {}): Json =>
  object(
    'apps/v1',
    'Deployment',
    {
      replicas: 2,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate' },
      template: { spec: { containers: [{ name: 'app', image: 'shop/web:1.4.2' }] } },
      ...spec
    },
    status,
    meta
  )
const deploymentCounts = (replicas: number, updated: number, ready: number, available: number) => ({
  replicas,
  updatedReplicas: updated,
  readyReplicas: ready,
  availableReplicas: available
})

const statefulSet = (status: Json, spec: Json = {}): Json =>
  object(
    'apps/v1',
    'StatefulSet',
    { replicas: 2, serviceName: 'db', updateStrategy: { type: 'RollingUpdate' }, ...spec },
    {
      replicas: 2,
      readyReplicas: 2,
      currentReplicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      currentRevision: 'db-5d8f9',
      updateRevision: 'db-5d8f9',
      ...status
    }
  )

const daemonSet = (status: Json): Json =>
  object(
    'apps/v1',
    'DaemonSet',
    { updateStrategy: { type: 'RollingUpdate' } },
    {
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      updatedNumberScheduled: 3,
      numberAvailable: 3,
      numberReady: 3,
      numberMisscheduled: 0,
      ...status
    }
  )

const replicaSet = (status: Json): Json =>
  object(
    'apps/v1',
    'ReplicaSet',
    { replicas: 2 },
    { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, ...status }
  )

const UNSCHEDULABLE = condition(
  'PodScheduled',
  'False',
  'Unschedulable',
  "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."
)
const pod = (status: Json, created = LONG_AGO): Json => {
  const pod = object(
    'v1',
    'Pod',
    { containers: [{ name: 'app', image: 'shop/web:1.4.2' }], restartPolicy: 'Always' },
    status,
    { creationTimestamp: created }
  )
  // Pods have no generation to observe.
  delete (pod['metadata'] as Json)['generation']
  delete (pod['status'] as Json)['observedGeneration']
  return pod
}
const waiting = (name: string, reason: string): Json => ({
  name,
  ready: false,
  restartCount: 5,
  state: { waiting: { reason, message: 'back-off 2m40s restarting failed container' } }
})

const job = (status: Json, spec: Json = {}): Json => {
  const job = object(
    'batch/v1',
    'Job',
    { completions: 1, parallelism: 1, backoffLimit: 6, ...spec },
    status
  )
  delete (job['status'] as Json)['observedGeneration']
  return job
}

const pvc = (status: Json): Json => {
  const claim = object(
    'v1',
    'PersistentVolumeClaim',
    { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    status
  )
  delete (claim['status'] as Json)['observedGeneration']
  return claim
}

const service = (spec: Json, status: Json = {}): Json => {
  const svc = object(
    'v1',
    'Service',
    { type: 'ClusterIP', clusterIP: '10.96.14.7', ports: [{ port: 80 }], ...spec },
    status
  )
  delete (svc['status'] as Json)['observedGeneration']
  return svc
}

const crd = (conditions: Json[]): Json =>
  object(
    'apiextensions.k8s.io/v1',
    'CustomResourceDefinition',
    { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' } },
    { conditions }
  )

const widget = (status: Json, apiVersion = 'example.com/v1', kind = 'Widget'): Json =>
  object(apiVersion, kind, { size: 3 }, status)

const health = (thing: Json, check: HealthCheck = NO_HEALTH_CHECK): ObjectHealth =>
  objectHealth(thing, check, NOW)

describe('health rules: kstatus by kind', () => {
  it.each<[string, Json, ObjectHealth]>([
    // Deployment
    [
      'Deployment rolled out',
      deployment({ ...deploymentCounts(2, 2, 2, 2), conditions: [AVAILABLE, ROLLED_OUT] }),
      current('Deployment is available. Replicas: 2')
    ],
    [
      'Deployment whose spec its controller has not seen',
      deployment({
        ...deploymentCounts(2, 2, 2, 2),
        observedGeneration: 2,
        conditions: [AVAILABLE, ROLLED_OUT]
      }),
      inProgress('Deployment generation is 3, but latest observed generation is 2')
    ],
    ['Deployment just created, no status yet', deployment({}, {}, {}), inProgress('Replicas: 0/2')],
    [
      'Deployment with a new ReplicaSet not yet updated',
      deployment({ ...deploymentCounts(2, 0, 2, 2), conditions: [AVAILABLE] }),
      inProgress('Updated: 0/2')
    ],
    [
      'Deployment with old Pods still terminating',
      deployment({ ...deploymentCounts(3, 2, 2, 2), conditions: [AVAILABLE] }),
      inProgress('Pending termination: 1')
    ],
    [
      'Deployment whose Pods cannot be scheduled (within its progress deadline)',
      deployment({
        ...deploymentCounts(2, 2, 0, 0),
        unavailableReplicas: 2,
        conditions: [
          condition('Available', 'False', 'MinimumReplicasUnavailable'),
          condition('Progressing', 'True', 'ReplicaSetUpdated')
        ]
      }),
      inProgress('Available: 0/2')
    ],
    [
      'Deployment available but its rollout not reported complete',
      deployment({
        ...deploymentCounts(2, 2, 2, 2),
        conditions: [AVAILABLE, condition('Progressing', 'True', 'ReplicaSetUpdated')]
      }),
      inProgress('ReplicaSet not Available')
    ],
    [
      'Deployment rolled out without an Available condition',
      deployment({ ...deploymentCounts(2, 2, 2, 2), conditions: [ROLLED_OUT] }),
      inProgress('Deployment not Available')
    ],
    [
      'Deployment without a progress deadline: nothing reports progress',
      deployment(
        { ...deploymentCounts(2, 2, 2, 2), conditions: [AVAILABLE] },
        { progressDeadlineSeconds: undefined }
      ),
      current('Deployment is available. Replicas: 2')
    ],
    [
      'Deployment past its progress deadline',
      deployment({
        ...deploymentCounts(2, 2, 0, 0),
        conditions: [
          condition('Available', 'False', 'MinimumReplicasUnavailable'),
          condition(
            'Progressing',
            'False',
            'ProgressDeadlineExceeded',
            'ReplicaSet "web-7d4b9c8f6" has timed out progressing.'
          )
        ]
      }),
      failed('Progress deadline exceeded: ReplicaSet "web-7d4b9c8f6" has timed out progressing.')
    ],
    [
      'Deployment scaled to zero',
      deployment({ conditions: [AVAILABLE, ROLLED_OUT] }, { replicas: 0 }),
      current('Deployment is available. Replicas: 0')
    ],
    [
      'Deployment being deleted',
      deployment(
        { ...deploymentCounts(2, 2, 2, 2), conditions: [AVAILABLE, ROLLED_OUT] },
        {},
        { deletionTimestamp: JUST_NOW }
      ),
      inProgress('Terminating: the object is scheduled for deletion')
    ],
    // StatefulSet
    [
      'StatefulSet rolled out',
      statefulSet({}),
      current('All replicas scheduled as expected. Replicas: 2')
    ],
    [
      'StatefulSet starting',
      statefulSet({ replicas: 1, readyReplicas: 0 }),
      inProgress('Replicas: 1/2')
    ],
    [
      'StatefulSet with a Pod not ready',
      statefulSet({ readyReplicas: 1 }),
      inProgress('Ready: 1/2')
    ],
    [
      'StatefulSet scaled down, a Pod still there',
      statefulSet({ replicas: 3 }),
      inProgress('Pending termination: 1')
    ],
    ['StatefulSet in an update', statefulSet({ currentReplicas: 1 }), inProgress('Current: 1/2')],
    [
      'StatefulSet whose revisions differ',
      statefulSet({ updateRevision: 'db-7c6b1' }),
      inProgress('Waiting for updated revision to match current')
    ],
    [
      'StatefulSet updating above a partition',
      statefulSet(
        { updatedReplicas: 0, currentReplicas: 2 },
        { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }
      ),
      inProgress('Updated: 0/1')
    ],
    [
      'StatefulSet updated above its partition',
      statefulSet(
        { updatedReplicas: 1, updateRevision: 'db-7c6b1' },
        { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }
      ),
      current('Partition rollout complete. Updated: 1')
    ],
    [
      'StatefulSet with OnDelete updates',
      statefulSet({ readyReplicas: 0 }, { updateStrategy: { type: 'OnDelete' } }),
      current('StatefulSet is using the ondelete update strategy')
    ],
    // DaemonSet
    [
      'DaemonSet on every node',
      daemonSet({}),
      current('All replicas scheduled as expected. Replicas: 3')
    ],
    [
      'DaemonSet its controller has not seen',
      daemonSet({ observedGeneration: undefined }),
      inProgress('DaemonSet status.observedGeneration not found')
    ],
    [
      'DaemonSet without a desired count',
      daemonSet({ desiredNumberScheduled: undefined }),
      inProgress('Missing .status.desiredNumberScheduled')
    ],
    ['DaemonSet updating', daemonSet({ updatedNumberScheduled: 1 }), inProgress('Updated: 1/3')],
    [
      'DaemonSet with a Pod unavailable',
      daemonSet({ numberAvailable: 2 }),
      inProgress('Available: 2/3')
    ],
    ['DaemonSet with a Pod not ready', daemonSet({ numberReady: 2 }), inProgress('Ready: 2/3')],
    // ReplicaSet
    ['ReplicaSet available', replicaSet({}), current('ReplicaSet is available. Replicas: 2')],
    [
      'ReplicaSet that cannot create Pods',
      replicaSet({
        replicas: 0,
        conditions: [
          condition('ReplicaFailure', 'True', 'FailedCreate', 'pods "web-" is forbidden')
        ]
      }),
      inProgress('Replica Failure condition. Check Pods')
    ],
    [
      'ReplicaSet with a Pod unavailable',
      replicaSet({ availableReplicas: 1 }),
      inProgress('Available: 1/2')
    ],
    [
      'ReplicaSet relabelling',
      replicaSet({ fullyLabeledReplicas: 1 }),
      inProgress('Labelled: 1/2')
    ],
    // Pod
    [
      'Pod running and ready',
      pod({ phase: 'Running', conditions: [condition('Ready', 'True')] }),
      current('Pod is Ready')
    ],
    [
      'Pod running, not ready yet',
      pod({
        phase: 'Running',
        conditions: [condition('Ready', 'False', 'ContainersNotReady')],
        containerStatuses: [{ name: 'app', ready: false, state: { running: {} } }]
      }),
      inProgress('Pod is running but is not Ready')
    ],
    [
      'Pod crash looping',
      pod({
        phase: 'Running',
        conditions: [condition('Ready', 'False', 'ContainersNotReady')],
        containerStatuses: [
          waiting('app', 'CrashLoopBackOff'),
          { name: 'sidecar', ready: true, state: { running: {} } },
          waiting('init-db', 'CrashLoopBackOff')
        ]
      }),
      failed('Containers in CrashLoop state: app,init-db')
    ],
    [
      'Pod pending, pulling its image',
      pod({
        phase: 'Pending',
        conditions: [condition('PodScheduled', 'True')],
        containerStatuses: [waiting('app', 'ContainerCreating')]
      }),
      inProgress('Pod is in the Pending phase')
    ],
    [
      'Pod unschedulable for a few seconds',
      pod({ phase: 'Pending', conditions: [UNSCHEDULABLE] }, JUST_NOW),
      inProgress(
        "Pod has not been scheduled: 0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."
      )
    ],
    [
      'Pod unschedulable for minutes',
      pod({ phase: 'Pending', conditions: [UNSCHEDULABLE] }),
      failed(
        "Pod could not be scheduled: 0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."
      )
    ],
    ['Pod completed', pod({ phase: 'Succeeded' }), current('Pod has completed successfully')],
    [
      'Pod that failed (kstatus: current; here failed)',
      pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }),
      failed('Pod has completed, but not successfully: The node was low on resource: memory.')
    ],
    ['Pod not yet seen by a kubelet', pod({}), inProgress('Pod phase not available')],
    ['Pod on a lost node', pod({ phase: 'Unknown' }), inProgress('Pod phase is Unknown')],
    // Job
    [
      'Job complete',
      job({
        succeeded: 1,
        startTime: LONG_AGO,
        completionTime: JUST_NOW,
        conditions: [condition('SuccessCriteriaMet', 'True'), condition('Complete', 'True')]
      }),
      current('Job Completed. succeeded: 1/1')
    ],
    [
      'Job failed',
      job({
        failed: 7,
        startTime: LONG_AGO,
        conditions: [
          condition(
            'Failed',
            'True',
            'BackoffLimitExceeded',
            'Job has reached the specified backoff limit'
          )
        ]
      }),
      failed('Job Failed. failed: 7/1 (Job has reached the specified backoff limit)')
    ],
    [
      'Job running (kstatus: current; here in progress until it completes)',
      job({ active: 1, startTime: LONG_AGO }, { completions: 3, parallelism: 1 }),
      inProgress('Job in progress. succeeded: 0/3, active: 1, failed: 0')
    ],
    ['Job not started', job({}), inProgress('Job not started')],
    [
      'Job suspended',
      job({ conditions: [condition('Suspended', 'True', 'JobSuspended')] }, { suspend: true }),
      current('Job is suspended')
    ],
    // PersistentVolumeClaim
    ['PVC bound', pvc({ phase: 'Bound' }), current('PVC is Bound')],
    [
      'PVC waiting for a volume',
      pvc({ phase: 'Pending' }),
      inProgress('PVC is not Bound. phase: Pending')
    ],
    ['PVC without status', pvc({}), inProgress('PVC is not Bound. phase: unknown')],
    // Service
    ['ClusterIP Service', service({}), current('Service is ready')],
    [
      'ExternalName Service',
      service({ type: 'ExternalName', externalName: 'db.example.com', clusterIP: undefined }),
      current('Service is ready')
    ],
    [
      'LoadBalancer Service without an ingress yet',
      service({ type: 'LoadBalancer' }, { loadBalancer: {} }),
      inProgress(
        'No load balancer ingress yet (status.loadBalancer.ingress is empty). Service type: LoadBalancer'
      )
    ],
    [
      'LoadBalancer Service with an IP',
      service({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } }),
      current('Service is ready')
    ],
    [
      'LoadBalancer Service with a hostname',
      service(
        { type: 'LoadBalancer' },
        { loadBalancer: { ingress: [{ hostname: 'a1b2.elb.amazonaws.com' }] } }
      ),
      current('Service is ready')
    ],
    [
      'LoadBalancer Service with external IPs of its own',
      service({ type: 'LoadBalancer', externalIPs: ['198.51.100.7'] }),
      current('Service is ready')
    ],
    [
      'LoadBalancer Service without a cluster IP',
      service({ type: 'LoadBalancer', clusterIP: undefined }),
      inProgress('ClusterIP not set. Service type: LoadBalancer')
    ],
    // PodDisruptionBudget
    [
      'PodDisruptionBudget computed',
      object('policy/v1', 'PodDisruptionBudget', { minAvailable: 1 }, { disruptionsAllowed: 1 }),
      current('AllowedDisruptions has been computed.')
    ],
    [
      'PodDisruptionBudget not yet observed',
      object('policy/v1', 'PodDisruptionBudget', { minAvailable: 1 }, { observedGeneration: 2 }),
      inProgress('PodDisruptionBudget generation is 3, but latest observed generation is 2')
    ],
    // CustomResourceDefinition
    [
      'CRD established',
      crd([condition('NamesAccepted', 'True'), condition('Established', 'True')]),
      current('CRD is established')
    ],
    [
      'CRD installing',
      crd([condition('NamesAccepted', 'True'), condition('Established', 'False', 'Installing')]),
      inProgress('Install in progress')
    ],
    ['CRD just created', crd([]), inProgress('Install in progress')],
    [
      'CRD whose names conflict',
      crd([
        condition('NamesAccepted', 'False', 'ListKindConflict', '"WidgetList" is already in use'),
        condition('Established', 'False', 'NotAccepted')
      ]),
      failed('"WidgetList" is already in use')
    ],
    // Kinds that are ready once they exist
    ['ConfigMap', object('v1', 'ConfigMap', {}, {}), current('Resource is always ready')],
    ['Secret', object('v1', 'Secret', {}, {}), current('Resource is always ready')],
    [
      'CronJob',
      object('batch/v1', 'CronJob', { schedule: '*/5 * * * *' }, {}),
      current('Resource is always ready')
    ]
  ])('%s', (_name, thing, expected) => {
    expect(health(thing)).toEqual(expected)
  })
})

describe('health rules: kstatus for other kinds', () => {
  it.each<[string, Json, ObjectHealth]>([
    [
      'a custom resource with Ready True',
      widget({ conditions: [condition('Ready', 'True', 'Reconciled')] }),
      current('Resource is Ready')
    ],
    [
      'a custom resource with Ready False and a message',
      widget({
        conditions: [condition('Ready', 'False', 'ConfigInvalid', 'spec.size must be at most 2')]
      }),
      inProgress('spec.size must be at most 2')
    ],
    [
      'a custom resource with Ready Unknown and only a reason',
      widget({ conditions: [condition('Ready', 'Unknown', 'Progressing')] }),
      inProgress('Ready is Unknown: Progressing')
    ],
    [
      'Reconciling True wins over Ready',
      widget({
        conditions: [
          condition('Ready', 'True'),
          condition('Reconciling', 'True', 'Progressing', 'Upgrading the cluster')
        ]
      }),
      inProgress('Upgrading the cluster')
    ],
    [
      'Stalled True is a failure',
      widget({
        conditions: [condition('Stalled', 'True', 'InvalidSpec', 'spec.size: cannot shrink')]
      }),
      failed('spec.size: cannot shrink')
    ],
    [
      'Stalled True without a message',
      widget({ conditions: [condition('Stalled', 'True', 'InvalidSpec')] }),
      failed('Stalled: InvalidSpec')
    ],
    [
      'a custom resource whose controller has not seen its spec',
      widget({ observedGeneration: 2, conditions: [condition('Ready', 'True')] }),
      inProgress('Widget generation is 3, but latest observed generation is 2')
    ],
    ['a custom resource without conditions', widget({}), current('Resource is current')],
    [
      'a kind without status at all',
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'web' } },
      current('Resource is current')
    ],
    [
      'a Deployment of another group is judged by its conditions, not as apps/Deployment',
      widget(
        { conditions: [condition('Ready', 'False', 'Waiting')] },
        'example.com/v1',
        'Deployment'
      ),
      inProgress('Ready is False: Waiting')
    ],
    [
      'malformed conditions are skipped, not thrown on',
      widget({ conditions: ['Ready', null, { type: 7 }, condition('Ready', 'True')] }),
      current('Resource is Ready')
    ],
    [
      'a generation that is no integer is not compared',
      widget({ observedGeneration: '2' }),
      current('Resource is current')
    ]
  ])('%s', (_name, thing, expected) => {
    expect(health(thing)).toEqual(expected)
  })
})

describe('health rules: what the plan says', () => {
  const lb = service({ type: 'LoadBalancer' }, { loadBalancer: {} })
  const check = (over: Partial<HealthCheck>): HealthCheck => ({ ...NO_HEALTH_CHECK, ...over })

  it('an ignored object is current without a reason; only that kind and name', () => {
    expect(health(lb, check({ ignore: ['Service/web'] }))).toEqual(current(''))
    expect(health(lb, check({ ignore: ['Service/other', 'Deployment/web'] })).verdict).toBe(
      'in-progress'
    )
  })

  it("an expression for the object's kind replaces kstatus's rules for it", () => {
    const stuck = deployment({ ...deploymentCounts(2, 2, 0, 0) })
    const rule = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      current: 'status.updatedReplicas == 2'
    }
    expect(health(stuck, check({ expressions: [rule] }))).toEqual(
      current("health expression 'current' is true")
    )
    expect(health(lb, check({ expressions: [rule] })).verdict).toBe('in-progress')
  })

  it('the clock decides when an unschedulable Pod has failed', () => {
    const pending = pod({ phase: 'Pending', conditions: [UNSCHEDULABLE] }, JUST_NOW)
    expect(objectHealth(pending, NO_HEALTH_CHECK, NOW).verdict).toBe('in-progress')
    expect(objectHealth(pending, NO_HEALTH_CHECK, NOW + 60_000).verdict).toBe('failed')
  })
})
