// Cluster access without a hand-run store: kubeconfigs that earlier steps of the job
// wrote under a folder (`file://`), a kubeconfig whose user is an exec credential plugin
// (what `aws eks update-kubeconfig`, `gke-gcloud-auth-plugin` and `kubelogin` write),
// and the HTTPS store through an HTTP CONNECT proxy (HTTPS_PROXY), working and down.
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dump, load } from 'js-yaml'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.ts'
import { closedPort } from '../support/fault-servers.ts'
import { tempDir } from '../support/git-repo.ts'
import { bed, clusterA, clusterB, faultCase, SETUP_A, secret, SETUP_B } from './action.ts'
import { faultSuite, opsRepo, planYaml, valuesYaml, writeStore } from './ops.ts'
import { expectFailed, expectSucceeded, message } from './outcomes.ts'

const KUBE_A = bed.kubeconfigs[0] as string
const KUBE_B = bed.kubeconfigs[1] as string
const suite = faultSuite()
/** The proxy's password: searched for in everything the run printed, like every credential. */
const PROXY_PASSWORD = secret(`proxy-pass-${Math.random().toString(36).slice(2)}`)
const storeDirs: string[] = []

let proxy: ConnectProxy
beforeAll(async () => {
  proxy = await startConnectProxy()
})

afterAll(async () => {
  await proxy.close()
  for (const dir of storeDirs) rmSync(dir, { recursive: true, force: true })
})

/** One plan per setup, pushed; the message of each is the case's name. */
async function plans(name: string, setups: readonly string[]) {
  const ns = suite.ns(name)
  const ops = await opsRepo()
  const files: Record<string, string> = { 'values/app.yaml': valuesYaml(name) }
  for (const setup of setups)
    files[`${setup}/${ns}/app.yaml`] = planYaml({ values: 'values/app.yaml' })
  const head = await ops.commit(files)
  return {
    ns,
    plan: (setup: string) => `${setup}/${ns}/app.yaml`,
    push: (inputs: Record<string, string>, env: Record<string, string> = {}) =>
      ops.push(head, { inputs, env })
  }
}

/**
 * The token cluster's kubeconfig with its user turned into an exec credential plugin: a
 * script that prints the ExecCredential holding the token, as a cloud's plugin does.
 */
function execKubeconfig(dir: string): string {
  const doc = load(readFileSync(KUBE_B, 'utf8')) as {
    users: { name: string; user: Record<string, unknown> }[]
  }
  const user = doc.users[0] as { name: string; user: Record<string, unknown> }
  const token = String(user.user.token)
  const plugin = join(dir, 'token-plugin.sh')
  const credential = JSON.stringify({
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: { token }
  })
  writeFileSync(
    plugin,
    `#!/bin/sh\n# reads KUBERNETES_EXEC_INFO like a real plugin\ncat <<'EOF'\n${credential}\nEOF\n`
  )
  chmodSync(plugin, 0o700)
  user.user = {
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: plugin,
      interactiveMode: 'Never',
      provideClusterInfo: true
    }
  }
  return dump(doc)
}

describe('cluster access', () => {
  faultCase(
    'a file:// store that an earlier step wrote',
    'both setups install from kubeconfigs under the folder, no HTTP store at all',
    async () => {
      const c = await plans('filestore', [SETUP_A, SETUP_B])
      const dir = await tempDir('faults-kube-')
      const storeUrl = writeStore(dir, {
        [SETUP_A]: readFileSync(KUBE_A, 'utf8'),
        [SETUP_B]: readFileSync(KUBE_B, 'utf8')
      })
      const run = await c.push({ 'kubeconfig-store-url': storeUrl, 'kubeconfig-store-ca': '' })
      expectSucceeded(run, c.plan(SETUP_A), 'install', 1)
      expectSucceeded(run, c.plan(SETUP_B), 'install', 1)
      expect(await message(clusterA, c.ns, 'app')).toBe('filestore')
      expect(await message(clusterB, c.ns, 'app')).toBe('filestore')
    }
  )

  faultCase(
    'an exec credential plugin kubeconfig, from file:// and from the HTTPS store',
    'installs on the token cluster both ways: the plugin prints an ExecCredential that helm and the API client use',
    async () => {
      const dir = await tempDir('faults-kube-')
      const kubeconfig = execKubeconfig(dir)
      const fromFile = await plans('execfile', [SETUP_B])
      const run = await fromFile.push({
        'kubeconfig-store-url': writeStore(join(dir, 'store'), { [SETUP_B]: kubeconfig }),
        'kubeconfig-store-ca': ''
      })
      expectSucceeded(run, fromFile.plan(SETUP_B), 'install', 1)
      expect(await message(clusterB, fromFile.ns, 'app')).toBe('execfile')

      // A setup of its own in the bed's nginx store, so no other case sees it.
      const setup = `local/exec-${Math.random().toString(36).slice(2, 7)}`
      storeDirs.push(join(bed.dir, 'nginx', 'store', ...setup.split('/')))
      writeStore(join(bed.dir, 'nginx', 'store'), { [setup]: kubeconfig })
      const fromStore = await plans('execstore', [setup])
      const viaStore = await fromStore.push({})
      expectSucceeded(viaStore, fromStore.plan(setup), 'install', 1)
      expect(await message(clusterB, fromStore.ns, 'app')).toBe('execstore')
    }
  )

  faultCase(
    'the HTTPS store through an HTTP CONNECT proxy (HTTPS_PROXY)',
    'installs; the proxy tunnelled the store requests; with NO_PROXY naming the store it is bypassed',
    async () => {
      const c = await plans('proxy', [SETUP_A])
      const store = new URL(bed.storeUrl)
      const run = await c.push({}, { HTTPS_PROXY: proxy.url, NO_PROXY: '' })
      expectSucceeded(run, c.plan(SETUP_A), 'install', 1)
      expect(await message(clusterA, c.ns, 'app')).toBe('proxy')
      expect(proxy.tunnels).toContain(`${store.hostname}:${store.port}`)

      const tunnelled = proxy.tunnels.length
      const bypass = await plans('noproxy', [SETUP_A])
      const direct = await bypass.push({}, { HTTPS_PROXY: proxy.url, NO_PROXY: store.hostname })
      expectSucceeded(direct, bypass.plan(SETUP_A), 'install', 1)
      expect(proxy.tunnels).toHaveLength(tunnelled)
    }
  )

  faultCase(
    'the store behind an unreachable proxy',
    'the plan fails "… ECONNREFUSED … through the proxy http://127.0.0.1:<port> … (gave up after 2 attempts)" with kubeconfig-store-attempts 2; nothing deployed',
    async () => {
      const c = await plans('deadproxy', [SETUP_A])
      const port = await closedPort()
      const run = await c.push(
        { 'kubeconfig-store-attempts': '2', 'kubeconfig-store-timeout': '5' },
        { HTTPS_PROXY: `http://proxyuser:${PROXY_PASSWORD}@127.0.0.1:${port}`, NO_PROXY: '' }
      )
      expectFailed(
        run,
        c.plan(SETUP_A),
        new RegExp(
          `^${c.plan(SETUP_A)}: kubeconfig of setup ${SETUP_A} at https://127\\.0\\.0\\.1:\\d+/store/${SETUP_A}/kubeconfig\\.yaml: .*ECONNREFUSED.* through the proxy http://127\\.0\\.0\\.1:${port} \\(HTTPS_PROXY; NO_PROXY lists hosts that bypass it\\) \\(gave up after 2 attempts\\)$`
        ),
        { operation: null }
      )
      expect(run.log).not.toContain(PROXY_PASSWORD)
      expect(await clusterA.releaseSecrets(c.ns, 'app')).toEqual([])
    }
  )
})
