import { KubeApiError, type KubeClient } from '../../../src/cluster/client.ts'

// A typed fake of the Kubernetes API client: GETs answered from a table by path
// (a path it does not hold is a 404, an Error in the table is thrown), merge
// patches recorded, or refused when `refusePatches` says why; server-side applies
// recorded and stored in the table (its status kept, a new object Established), so
// a later GET reads what was applied.

export interface FakeKube extends KubeClient {
  readonly gets: string[]
  readonly patches: Array<{ readonly path: string; readonly patch: unknown }>
  readonly applies: Array<{
    readonly path: string
    readonly object: unknown
    readonly fieldManager: string
  }>
  closed: boolean
}

export function fakeKube(objects: Record<string, unknown> = {}, refusePatches?: Error): FakeKube {
  const gets: string[] = []
  const patches: FakeKube['patches'] = []
  const applies: FakeKube['applies'] = []
  const kube: FakeKube = {
    server: 'https://fake.kube',
    gets,
    patches,
    applies,
    closed: false,
    get: <T>(path: string): Promise<T> => {
      gets.push(path)
      const found = objects[path]
      if (found instanceof Error) return Promise.reject(found)
      if (found === undefined) return Promise.reject(new KubeApiError(`${path} not found`, 404))
      return Promise.resolve(found as T)
    },
    mergePatch: (path: string, patch: unknown): Promise<void> => {
      if (refusePatches) return Promise.reject(refusePatches)
      patches.push({ path, patch })
      return Promise.resolve()
    },
    apply: <T>(path: string, object: unknown, fieldManager: string): Promise<T> => {
      if (refusePatches) return Promise.reject(refusePatches)
      applies.push({ path, object, fieldManager })
      // The stored status stays; a new object is served at once, as a CRD becomes Established.
      const before = objects[path] as { status?: unknown } | undefined
      const stored = {
        ...(object as object),
        status: before?.status ?? { conditions: [{ type: 'Established', status: 'True' }] }
      }
      objects[path] = stored
      return Promise.resolve(stored as T)
    },
    close: () => {
      kube.closed = true
      return Promise.resolve()
    }
  }
  return kube
}
