import { describe, expect, it } from 'vitest'
import { KubeApiError } from '../../../src/cluster/client.ts'
import {
  checkHealth,
  HealthReadError,
  type Clock,
  type HealthInput
} from '../../../src/health/check.ts'
import { NO_HEALTH_CHECK, type HealthCheck } from '../../../src/types/health.ts'
import { fakeKube, type FakeKube } from '../../support/fakes/kube.ts'
import {
  configMap,
  deployment,
  DISCOVERY,
  eventsPath,
  manifestOf,
  podsPath,
  podWarningsPath,
  warning
} from '../../support/fakes/kube-objects.ts'

// checkHealth against a fake API server and a fake clock: what it reads (one request
// per API version, kind and namespace), how often, when it stops, and the reasons.

const CHECK: HealthCheck = { ...NO_HEALTH_CHECK, enable: true }
const signal = new AbortController().signal

/** The check of a release in `shop` with the default rules: one read unless a timeout is given. */
const check = (input: Pick<HealthInput, 'client' | 'manifest'> & Partial<HealthInput>) =>
  checkHealth({ namespace: 'shop', check: CHECK, timeoutMs: 0, signal, ...input })

/** A clock that moves only when the check waits; `onSleep` may change the cluster between reads. */
function fakeClock(onSleep: (sleeps: number) => void = () => undefined): Clock & {
  sleeps: number[]
} {
  let now = 1_000_000
  const sleeps: number[] = []
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms)
      now += ms
      onSleep(sleeps.length)
      return Promise.resolve()
    }
  }
}

const reads = (kube: FakeKube) => kube.gets.filter((path) => !Object.hasOwn(DISCOVERY, path))

const cms = (namespace: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: `cm-${i}`,
    namespace
  }))

describe('checkHealth: what it reads', () => {
  it.each([8, 80, 800])(
    'a release of %i ConfigMaps and Deployments in two namespaces: one LIST per kind and namespace a read',
    async (n) => {
      const objects = [
        ...cms('shop', n / 2),
        ...cms('edge', n / 4),
        ...Array.from({ length: n / 4 }, (_, i) => ({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: `web-${i}`
        }))
      ]
      const list = (path: string, items: unknown[]) => ({ [path]: { items } })
      const kube = fakeKube({
        ...DISCOVERY,
        ...list(
          '/api/v1/namespaces/shop/configmaps',
          cms('shop', n / 2).map((o) => configMap(o.name, 'shop'))
        ),
        ...list(
          '/api/v1/namespaces/edge/configmaps',
          cms('edge', n / 4).map((o) => configMap(o.name, 'edge'))
        ),
        ...list(
          '/apis/apps/v1/namespaces/shop/deployments',
          Array.from({ length: n / 4 }, (_, i) => deployment(`web-${i}`, 'shop', true))
        )
      })
      const report = await check({
        client: kube,
        manifest: manifestOf(objects),
        timeoutMs: 60_000,
        clock: fakeClock()
      })
      expect(report).toMatchObject({ health: 'healthy', objects: n, reads: 1, requests: 3 })
      expect(reads(kube).sort()).toEqual([
        '/api/v1/namespaces/edge/configmaps',
        '/api/v1/namespaces/shop/configmaps',
        '/apis/apps/v1/namespaces/shop/deployments'
      ])
      // Discovery once a group version, whatever the number of objects.
      expect(kube.gets.filter((path) => Object.hasOwn(DISCOVERY, path)).sort()).toEqual([
        '/api/v1',
        '/apis/apps/v1'
      ])
    }
  )

  it('the only object of its kind and namespace: one GET of it, not a LIST of the collection', async () => {
    const kube = fakeKube({
      ...DISCOVERY,
      '/apis/apps/v1/namespaces/shop/deployments/web': deployment('web', 'shop', true),
      '/api/v1/namespaces/config/configmaps/settings': configMap('settings', 'config')
    })
    const report = await check({
      client: kube,
      manifest: manifestOf([
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: 'config' }
      ])
    })
    expect(report).toMatchObject({ health: 'healthy', reads: 1, requests: 2, notes: [] })
  })

  it('an object the plan ignores is not read at all', async () => {
    const kube = fakeKube({
      ...DISCOVERY,
      '/apis/apps/v1/namespaces/shop/deployments/web': deployment('web', 'shop', true)
    })
    const report = await check({
      client: kube,
      manifest: manifestOf([
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        { apiVersion: 'v1', kind: 'Service', name: 'edge-lb' }
      ]),
      check: { ...CHECK, ignore: ['Service/edge-lb'] }
    })
    expect(report).toMatchObject({ health: 'healthy', objects: 1 })
    expect(reads(kube)).toEqual(['/apis/apps/v1/namespaces/shop/deployments/web'])
  })
})

describe('checkHealth: when it reads again, and when it stops', () => {
  const web = manifestOf([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }])
  const path = '/apis/apps/v1/namespaces/shop/deployments/web'

  it('reads until every object is current: every 2 s at first', async () => {
    const objects: Record<string, unknown> = {
      ...DISCOVERY,
      [path]: deployment('web', 'shop', false)
    }
    const waits: string[] = []
    const clock = fakeClock((sleeps) => {
      if (sleeps === 2) objects[path] = deployment('web', 'shop', true)
    })
    const report = await check({
      client: fakeKube(objects),
      manifest: web,
      timeoutMs: 300_000,
      clock,
      onWait: (line) => waits.push(line)
    })
    expect(report).toMatchObject({ health: 'healthy', outcome: 'current', reads: 3, notes: [] })
    expect(clock.sleeps).toEqual([2000, 2000])
    // Told once: the second read found the same.
    expect(waits).toEqual(['waiting for 1 of 1 object(s): Deployment/web: Available: 0/1'])
  })

  it('until the timeout, less often, and once more at the deadline: then unhealthy', async () => {
    const clock = fakeClock()
    const report = await check({
      client: fakeKube({ ...DISCOVERY, [path]: deployment('web', 'shop', false) }),
      manifest: web,
      timeoutMs: 20_000,
      clock
    })
    expect(clock.sleeps).toEqual([2000, 2000, 3000, 4000, 5000, 4000])
    expect(report).toMatchObject({
      health: 'unhealthy',
      outcome: 'timeout',
      reads: 7,
      notCurrent: ['Deployment/web']
    })
    expect(report.notes[0]).toBe('Deployment/web: Available: 0/1')
  })

  it('timeout 0 (a soak re-check): one read, no wait', async () => {
    const clock = fakeClock()
    const report = await check({
      client: fakeKube({ ...DISCOVERY, [path]: deployment('web', 'shop', false) }),
      manifest: web,
      clock
    })
    expect(clock.sleeps).toEqual([])
    expect(report).toMatchObject({ health: 'unhealthy', outcome: 'timeout', reads: 1 })
  })

  it('an object that failed ends the wait at once', async () => {
    const clock = fakeClock()
    const report = await check({
      client: fakeKube({
        ...DISCOVERY,
        '/api/v1/namespaces/shop/pods/seed': {
          metadata: { name: 'seed', namespace: 'shop' },
          status: { phase: 'Failed', message: 'OOMKilled' }
        }
      }),
      manifest: manifestOf([{ apiVersion: 'v1', kind: 'Pod', name: 'seed' }]),
      timeoutMs: 300_000,
      clock
    })
    expect(clock.sleeps).toEqual([])
    expect(report).toMatchObject({ health: 'unhealthy', outcome: 'failed', reads: 1 })
    expect(report.notes[0]).toBe('Pod/seed: Pod has completed, but not successfully: OOMKilled')
  })

  it('an object not found, and a kind not served (yet): in progress, discovery asked again', async () => {
    const kube = fakeKube({
      ...DISCOVERY,
      '/apis/example.com/v1': { resources: [] },
      [eventsPath('shop', 'ConfigMap', 'gone')]: { items: [] }
    })
    const report = await check({
      client: kube,
      manifest: manifestOf([
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'gone' },
        { apiVersion: 'example.com/v1', kind: 'Gadget', name: 'g' }
      ]),
      timeoutMs: 2_000,
      clock: fakeClock()
    })
    expect(report.notes).toEqual([
      'ConfigMap/gone: not found',
      'Gadget/g: the API server serves no kind Gadget in example.com/v1 (a CRD removed, or an API version no longer served)'
    ])
    expect(kube.gets.filter((p) => p === '/apis/example.com/v1')).toHaveLength(2)
  })

  it('an API error is no verdict: a HealthReadError, no waiting', async () => {
    const denied = new KubeApiError(
      'the Kubernetes API answered 403 to GET /apis/apps/v1/namespaces/shop/deployments/web: forbidden',
      403
    )
    const clock = fakeClock()
    const read = check({
      client: fakeKube({ ...DISCOVERY, [path]: denied }),
      manifest: web,
      timeoutMs: 300_000,
      clock
    })
    await expect(read).rejects.toThrow(HealthReadError)
    await expect(read).rejects.toThrow(
      'the Kubernetes API answered 403 to GET /apis/apps/v1/namespaces/shop/deployments/web: forbidden'
    )
    expect(clock.sleeps).toEqual([])
  })
})

describe('checkHealth: reasons', () => {
  it("a stuck Deployment: its reason, its newest Warning events, and its Pods'", async () => {
    const web = { kind: 'Deployment', name: 'web' }
    const pod = (name: string) => ({ metadata: { name, namespace: 'shop' } })
    const kube = fakeKube({
      ...DISCOVERY,
      '/apis/apps/v1/namespaces/shop/deployments/web': deployment('web', 'shop', false),
      [eventsPath('shop', 'Deployment', 'web')]: {
        items: [
          warning(web, 'Old', 'long ago', '2025-01-01T00:00:00Z'),
          warning(web, 'Newest', 'just now', '2025-01-03T00:00:00Z'),
          warning(web, 'Newer', 'yesterday', '2025-01-02T00:00:00Z')
        ]
      },
      [podsPath('shop', 'app=web')]: { items: [pod('web-1'), pod('web-2')] },
      [podWarningsPath('shop')]: {
        items: [
          warning(
            { kind: 'Pod', name: 'web-1' },
            'FailedScheduling',
            "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
            '2025-01-03T00:00:00Z',
            4
          ),
          // The same from its sibling is said once.
          warning(
            { kind: 'Pod', name: 'web-2' },
            'FailedScheduling',
            "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
            '2025-01-03T00:00:01Z'
          ),
          warning({ kind: 'Pod', name: 'other' }, 'BackOff', 'not ours', '2025-01-04T00:00:00Z')
        ]
      }
    })
    const report = await check({
      client: kube,
      manifest: manifestOf([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }])
    })
    expect(report.notes).toEqual([
      'Deployment/web: Available: 0/1',
      'Deployment/web: Warning Newest: just now',
      'Deployment/web: Warning Newer: yesterday',
      "Deployment/web: Pod/web-2 Warning FailedScheduling: 0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."
    ])
  })

  it('events that cannot be read are told, and the verdict stands', async () => {
    const report = await check({
      client: fakeKube({
        ...DISCOVERY,
        '/apis/apps/v1/namespaces/shop/deployments/web': deployment('web', 'shop', false),
        [eventsPath('shop', 'Deployment', 'web')]: new KubeApiError(
          'the Kubernetes API answered 403 to GET /api/v1/namespaces/shop/events',
          403
        )
      }),
      manifest: manifestOf([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }])
    })
    expect(report.health).toBe('unhealthy')
    expect(report.notes).toEqual([
      'Deployment/web: Available: 0/1',
      'Deployment/web: its events could not be read (the Kubernetes API answered 403 to GET /api/v1/namespaces/shop/events)'
    ])
  })
})
