import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fetchKubeconfig } from '../../../src/cluster/kubeconfig-store.ts'
import { mask, resetSecrets } from '../../../src/secrets/masking.ts'
import { startConnectProxy, type ConnectProxy } from '../../support/connect-proxy.ts'
import * as core from '../../support/fakes/core.ts'
import {
  body,
  closedPort,
  startFaultServer,
  type FaultServer
} from '../../support/fault-servers.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: { server: https://127.0.0.1:6443 }
users:
- name: u
  user: { token: tok-proxy-123456 }
contexts:
- name: a
  context: { cluster: a, user: u }
current-context: a
`

let store: FaultServer | undefined
let proxy: ConnectProxy | undefined
beforeEach(core.resetCore)
afterEach(async () => {
  vi.unstubAllEnvs()
  resetSecrets()
  await store?.close()
  await proxy?.close()
  store = proxy = undefined
})

describe('the store through a proxy', () => {
  it('goes through HTTP_PROXY (a CONNECT tunnel) unless NO_PROXY names the store', async () => {
    store = await startFaultServer({ '/kc/local/a/kubeconfig.yaml': [body(kubeconfig)] })
    proxy = await startConnectProxy()
    vi.stubEnv('HTTP_PROXY', proxy.url)
    vi.stubEnv('NO_PROXY', '')
    const options = { storeUrl: `${store.url}/kc`, filename: 'kubeconfig.yaml' }
    expect(await fetchKubeconfig('local/a', options)).toBe(kubeconfig)
    expect(proxy.tunnels).toEqual([new URL(store.url).host])

    vi.stubEnv('NO_PROXY', '127.0.0.1')
    expect(await fetchKubeconfig('local/a', options)).toBe(kubeconfig)
    expect(proxy.tunnels).toHaveLength(1)
    expect(store.count('/kc/local/a/kubeconfig.yaml')).toBe(2)
  })

  it('behind an unreachable proxy fails naming the proxy without its password, after the attempts given', async () => {
    const port = await closedPort()
    vi.stubEnv('HTTPS_PROXY', `http://user:proxy-pw-98765@127.0.0.1:${port}`)
    const fetched = fetchKubeconfig('local/a', {
      storeUrl: 'https://store.example/kc',
      filename: 'kubeconfig.yaml',
      attempts: 2,
      timeoutMs: 2_000,
      backoffMs: 10
    })
    await expect(fetched).rejects.toThrow(
      new RegExp(
        `^kubeconfig of setup local/a at https://store\\.example/kc/local/a/kubeconfig\\.yaml: .*ECONNREFUSED.* through the proxy http://127\\.0\\.0\\.1:${port} \\(HTTPS_PROXY; NO_PROXY lists hosts that bypass it\\) \\(gave up after 2 attempts\\)$`
      )
    )
    expect(mask('proxy-pw-98765')).toBe('***')
  })
})
