import { describe, expect, it } from 'vitest'
import { LABELS } from '../../../src/engine/marker.ts'
import { observeReleases } from '../../../src/engine/observe.ts'
import type { PlannedStep } from '../../../src/types/plan.ts'
import { fakeHelm } from '../../support/fakes/helm.ts'
import { fakeKube } from '../../support/fakes/kube.ts'
import { webSpec } from '../../support/plan-spec.ts'

// observe, with typed fakes: one metadata-only list of helm's release Secrets a
// namespace, helm history where the list cannot tell, and what failed.

const SHA = 'c'.repeat(40)
const step = (namespace: string, release: string): PlannedStep => ({
  action: 'apply',
  target: { setup: 's/a', namespace, release, plan: `s/a/${namespace}/${release}.yaml` },
  reasons: [],
  spec: webSpec()
})
const secret = (release: string, version: number, status: string, ours = true) => ({
  metadata: {
    name: `sh.helm.release.v1.${release}.v${version}`,
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: {
      owner: 'helm',
      name: release,
      version: String(version),
      status,
      ...(ours && { [LABELS.managed]: 'true', [LABELS.commit]: SHA, [LABELS.digest]: 'd' })
    }
  }
})
const listPath = (namespace: string) =>
  `/api/v1/namespaces/${namespace}/secrets?labelSelector=owner%3Dhelm`
const history = (description: string) =>
  JSON.stringify([{ revision: 1, status: 'deployed', updated: '', description }])
const call = { env: {}, signal: new AbortController().signal }

describe('observeReleases', () => {
  it('reads every release of a namespace from one list, helm not asked', async () => {
    const kube = fakeKube({
      [listPath('ns')]: { items: [secret('web', 1, 'superseded'), secret('web', 2, 'deployed')] }
    })
    const helm = fakeHelm()
    const observed = await observeReleases([step('ns', 'web'), step('ns', 'db')], {
      ...call,
      helm,
      client: kube
    })
    expect(kube.gets).toEqual([listPath('ns')])
    expect(helm.calls).toEqual([])
    expect(observed.observations.get('ns/web')).toMatchObject({ kind: 'deployed', revision: 2 })
    expect(observed.observations.get('ns/db')).toEqual({ kind: 'absent' })
    expect(observed.viaApi).toBe(true)
    expect(observed.how).toBe(
      '1 namespace(s) listed through the API, 0 release(s) through helm history'
    )
    expect(observed.listed.get('ns')).toHaveLength(2)
  })

  it('a release without the marker in its labels is asked of helm (an older marker is in the description)', async () => {
    const kube = fakeKube({ [listPath('ns')]: { items: [secret('web', 1, 'deployed', false)] } })
    const helm = fakeHelm({ history: history(`gitops-action ${SHA} s/a/ns/web.yaml`) })
    const observed = await observeReleases([step('ns', 'web')], { ...call, helm, client: kube })
    expect(helm.brief()).toEqual(['history ns/web'])
    expect(observed.observations.get('ns/web')).toMatchObject({
      kind: 'deployed',
      marker: { commit: SHA }
    })
  })

  it('a namespace that cannot be listed is read through helm; the client marks nothing', async () => {
    const kube = fakeKube({
      [listPath('a')]: new Error('forbidden'),
      [listPath('b')]: { items: [] }
    })
    const helm = fakeHelm()
    const observed = await observeReleases([step('a', 'web'), step('b', 'db')], {
      ...call,
      helm,
      client: kube
    })
    expect(helm.brief()).toEqual(['history a/web'])
    expect(observed.observations.get('a/web')).toEqual({ kind: 'absent' })
    expect(observed.viaApi).toBe(false)
    expect(observed.listed.get('a')).toEqual(new Error('forbidden'))
    expect(observed.listed.get('b')).toEqual([])
  })

  it('without an API client, or with another storage driver, helm history alone', async () => {
    for (const [client, env] of [
      [undefined, {}],
      [fakeKube(), { HELM_DRIVER: 'configmap' }]
    ] as const) {
      const helm = fakeHelm()
      const observed = await observeReleases([step('ns', 'web')], { ...call, env, helm, client })
      expect(helm.brief()).toEqual(['history ns/web'])
      expect(observed.viaApi).toBe(false)
      expect(observed.listed.size).toBe(0)
    }
  })

  it('a release helm cannot read fails that plan alone', async () => {
    const helm = fakeHelm({
      history: (c) =>
        c.target.release === 'bad'
          ? Promise.reject(new Error('helm history failed: boom'))
          : Promise.resolve(undefined)
    })
    const observed = await observeReleases([step('ns', 'bad'), step('ns', 'ok')], {
      ...call,
      helm,
      client: undefined
    })
    expect(observed.errors).toEqual(new Map([['ns/bad', 'helm history failed: boom']]))
    expect(observed.observations.get('ns/ok')).toEqual({ kind: 'absent' })
  })

  it("lists the namespaces a drift check's orphans may be in, though no plan is", async () => {
    const kube = fakeKube({
      [listPath('ns')]: { items: [] },
      [listPath('other')]: { items: [secret('gone', 1, 'deployed')] }
    })
    const observed = await observeReleases(
      [step('ns', 'web')],
      { ...call, helm: fakeHelm(), client: kube },
      ['other']
    )
    expect(kube.gets).toEqual([listPath('ns'), listPath('other')])
    expect(observed.listed.get('other')).toMatchObject([{ release: 'gone', revision: 1 }])
    expect(observed.viaApi).toBe(true)
  })
})
