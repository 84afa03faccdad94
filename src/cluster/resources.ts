import { KubeApiError, type KubeClient } from './client.ts'

// Where an object lives in the API: its kind's resource name and scope, from the
// API server's discovery documents (one a group version, asked once a setup).

export interface Resource {
  /** `/api/v1/namespaces/ns/configmaps/name` or `/apis/apps/v1/deployments/name`. */
  readonly path: string
  /** The collection the object is listed in: `path` without its name. */
  readonly collection: string
  /** False for cluster-scoped kinds (a ClusterRole, a Namespace). */
  readonly namespaced: boolean
}

interface ApiResourceList {
  resources?: Array<{ name: string; kind: string; namespaced: boolean }>
}

export class UnknownKindError extends Error {}

export class ResourceFinder {
  private readonly lists = new Map<string, Promise<ApiResourceList | undefined>>()
  private readonly client: KubeClient
  constructor(client: KubeClient) {
    this.client = client
  }

  /** The object's path; an UnknownKindError when the server serves no such kind. */
  async find(object: {
    apiVersion: string
    kind: string
    name: string
    namespace: string
  }): Promise<Resource> {
    const base = baseOf(object.apiVersion)
    const list = await this.discover(base)
    const resource = list?.resources?.find((r) => r.kind === object.kind && !r.name.includes('/'))
    if (!resource)
      throw new UnknownKindError(
        `the API server serves no kind ${object.kind} in ${object.apiVersion} (a CRD removed, or an API version no longer served)`
      )
    const scope = resource.namespaced ? `/namespaces/${encodeURIComponent(object.namespace)}` : ''
    const collection = `${base}${scope}/${resource.name}`
    return {
      path: `${collection}/${encodeURIComponent(object.name)}`,
      collection,
      namespaced: resource.namespaced
    }
  }

  /**
   * Asks discovery of the group version again next time: a kind the server did not
   * serve yet (a CRD of the same release, still being established) may be served now.
   */
  forget(apiVersion: string): void {
    this.lists.delete(baseOf(apiVersion))
  }

  private discover(base: string): Promise<ApiResourceList | undefined> {
    let list = this.lists.get(base)
    if (!list) {
      list = this.client.get<ApiResourceList>(base).catch((error: unknown) => {
        if (error instanceof KubeApiError && error.statusCode === 404) return undefined
        this.lists.delete(base)
        throw error
      })
      this.lists.set(base, list)
    }
    return list
  }
}

function baseOf(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`
}

/** The setup's discovery, asked once a setup (a client is one setup's): drift checks and health share it. */
const finders = new WeakMap<KubeClient, ResourceFinder>()
export function resourceFinderOf(client: KubeClient): ResourceFinder {
  let finder = finders.get(client)
  if (!finder) {
    finder = new ResourceFinder(client)
    finders.set(client, finder)
  }
  return finder
}
