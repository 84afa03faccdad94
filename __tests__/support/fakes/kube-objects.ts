// Objects as a fake API server answers them for health checks: the discovery
// documents of the kinds the tests use, Deployments rolled out or stuck, a ConfigMap,
// and Warning events; the paths they are read at.

type Json = Record<string, unknown>

/** Discovery of the core group, apps and a custom group, by path (what fakeKube answers). */
export const DISCOVERY: Readonly<Record<string, Json>> = {
  '/api/v1': {
    resources: [
      { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
      { name: 'pods', kind: 'Pod', namespaced: true },
      { name: 'pods/status', kind: 'Pod', namespaced: true },
      { name: 'services', kind: 'Service', namespaced: true },
      { name: 'events', kind: 'Event', namespaced: true },
      { name: 'namespaces', kind: 'Namespace', namespaced: false }
    ]
  },
  '/apis/apps/v1': {
    resources: [
      { name: 'deployments', kind: 'Deployment', namespaced: true },
      { name: 'statefulsets', kind: 'StatefulSet', namespaced: true }
    ]
  },
  '/apis/example.com/v1': {
    resources: [{ name: 'widgets', kind: 'Widget', namespaced: true }]
  }
}

/** A manifest of the objects, as `helm get manifest` prints it. */
export function manifestOf(
  objects: ReadonlyArray<{ apiVersion: string; kind: string; name: string; namespace?: string }>
): string {
  return objects
    .map(
      (o) =>
        `---\napiVersion: ${o.apiVersion}\nkind: ${o.kind}\nmetadata:\n  name: ${o.name}\n${o.namespace ? `  namespace: ${o.namespace}\n` : ''}`
    )
    .join('')
}

export function configMap(name: string, namespace: string): Json {
  return { metadata: { name, namespace }, data: {} }
}

/** A Deployment of one replica with `app: <name>` Pods: rolled out, or none of it available. */
export function deployment(name: string, namespace: string, available: boolean): Json {
  const n = available ? 1 : 0
  return {
    metadata: { name, namespace, generation: 1 },
    spec: { replicas: 1, selector: { matchLabels: { app: name } } },
    status: {
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: n,
      availableReplicas: n,
      conditions: [
        {
          type: 'Progressing',
          status: 'True',
          reason: available ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated'
        },
        { type: 'Available', status: available ? 'True' : 'False' }
      ]
    }
  }
}

/** A Warning event about an object (core/v1 as listed). */
export function warning(
  about: { kind: string; name: string },
  reason: string,
  message: string,
  lastTimestamp: string,
  count = 1
): Json {
  return {
    type: 'Warning',
    reason,
    message,
    count,
    lastTimestamp,
    involvedObject: { kind: about.kind, name: about.name }
  }
}

/** Where a namespace's events of an object are listed (the query the health check sends). */
export function eventsPath(namespace: string, kind: string, name: string): string {
  const query = new URLSearchParams({
    fieldSelector: `involvedObject.name=${name},involvedObject.kind=${kind},type=Warning`
  })
  return `/api/v1/namespaces/${namespace}/events?${query.toString()}`
}

/** Where a namespace's Pod warnings are listed. */
export function podWarningsPath(namespace: string): string {
  const query = new URLSearchParams({ fieldSelector: 'involvedObject.kind=Pod,type=Warning' })
  return `/api/v1/namespaces/${namespace}/events?${query.toString()}`
}

/** Where a workload's Pods are listed. */
export function podsPath(namespace: string, selector: string): string {
  return `/api/v1/namespaces/${namespace}/pods?${new URLSearchParams({ labelSelector: selector }).toString()}`
}
