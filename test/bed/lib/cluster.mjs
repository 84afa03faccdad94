// One Kubernetes cluster of the bed: etcd + kube-apiserver (RBAC, admin credential) and,
// for workloads, kube-controller-manager, kube-scheduler and kwok faking one node and the
// readiness of the pods scheduled to it.
import { mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { ensureCa, ensureLeaf, ensureKeyPair } from './pki.mjs'
import { request } from './http.mjs'
import { launch } from './state.mjs'
import { waitHealthy, PartError } from './procs.mjs'
import { stateDir } from './layout.mjs'

const NODE_NAME = 'kwok-node-0'
const SERVICE_RANGE = '10.96.0.0/16'

/** kubeconfig text for one user; all credentials are embedded (no file references). */
export function kubeconfigText({ name, server, caFile, user }) {
  const b64 = (file) => readFileSync(file).toString('base64')
  const cred = user.token
    ? `    token: ${user.token}`
    : `    client-certificate-data: ${b64(user.cert)}\n    client-key-data: ${b64(user.key)}`
  return `apiVersion: v1
kind: Config
clusters:
- name: ${name}
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(caFile)}
users:
- name: ${name}-${user.name}
  user:
${cred}
contexts:
- name: ${name}
  context:
    cluster: ${name}
    user: ${name}-${user.name}
current-context: ${name}
`
}

/** Certificates, keys, token and kubeconfigs of a cluster (kept across restarts of a bed). */
export function prepareCluster(cluster, ports) {
  const dir = join(stateDir, 'clusters', cluster.name)
  const pki = join(dir, 'pki')
  const ca = ensureCa(pki, `testbed cluster ${cluster.name} CA`)
  const serving = ensureLeaf(ca, 'apiserver', {
    subject: '/CN=kube-apiserver',
    usage: 'server',
    sans: [
      'IP:127.0.0.1',
      'DNS:localhost',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'IP:10.96.0.1'
    ]
  })
  // Each component gets its own client identity; all are cluster-admins (a test bed).
  const client = (name, cn) => {
    const { crt, key } = ensureLeaf(ca, name, {
      subject: `/O=system:masters/CN=${cn}`,
      usage: 'client'
    })
    return { name, cert: crt, key }
  }
  const admin = client('admin', 'testbed-admin')
  const components = {
    controllerManager: client('controller-manager', 'system:kube-controller-manager'),
    scheduler: client('scheduler', 'system:kube-scheduler'),
    kwok: client('kwok', 'kwok-controller')
  }
  const sa = ensureKeyPair(pki, 'service-account')
  const token = randomBytes(24).toString('hex')
  const tokenFile = join(pki, 'tokens.csv')
  writeFileSync(tokenFile, `${token},testbed-admin-token,testbed-admin-token,"system:masters"\n`, {
    mode: 0o600
  })
  const server = `https://127.0.0.1:${ports.api}`
  const write = (file, user) => {
    writeFileSync(
      file,
      kubeconfigText({ name: `testbed-${cluster.name}`, server, caFile: ca.crt, user }),
      { mode: 0o600 }
    )
    return file
  }
  const kubeconfig = write(
    join(dir, 'admin.kubeconfig'),
    cluster.credential === 'token' ? { name: 'admin', token } : admin
  )
  const componentConfigs = Object.fromEntries(
    Object.entries(components).map(([k, user]) => [
      k,
      write(join(dir, `${user.name}.kubeconfig`), user)
    ])
  )
  return { dir, ca, serving, admin, sa, tokenFile, server, kubeconfig, componentConfigs, token }
}

function argvs(bin, cluster, ports, prep) {
  const etcdData = join(prep.dir, 'etcd')
  const etcdUrl = `http://127.0.0.1:${ports.etcd}`
  const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`
  return {
    etcd: [
      bin.etcd,
      '--name',
      `bed-${cluster.name}`,
      '--data-dir',
      etcdData,
      '--listen-client-urls',
      etcdUrl,
      '--advertise-client-urls',
      etcdUrl,
      '--listen-peer-urls',
      peerUrl,
      '--initial-advertise-peer-urls',
      peerUrl,
      '--initial-cluster',
      `bed-${cluster.name}=${peerUrl}`,
      '--log-level',
      'warn',
      // a test bed: speed over durability
      '--unsafe-no-fsync'
    ],
    apiserver: [
      bin.kubeApiserver,
      '--etcd-servers',
      etcdUrl,
      '--bind-address',
      '127.0.0.1',
      '--advertise-address',
      '127.0.0.1',
      '--secure-port',
      String(ports.api),
      '--tls-cert-file',
      prep.serving.crt,
      '--tls-private-key-file',
      prep.serving.key,
      '--client-ca-file',
      prep.ca.crt,
      '--token-auth-file',
      prep.tokenFile,
      '--authorization-mode',
      'RBAC',
      '--service-account-issuer',
      'https://kubernetes.default.svc',
      '--service-account-key-file',
      prep.sa.pub,
      '--service-account-signing-key-file',
      prep.sa.key,
      '--service-cluster-ip-range',
      SERVICE_RANGE,
      // both clusters advertise 127.0.0.1, which the endpoints of "kubernetes" may not hold
      '--endpoint-reconciler-type',
      'none',
      '--profiling=false',
      '--v',
      '1'
    ],
    controllerManager: [
      bin.kubeControllerManager,
      '--kubeconfig',
      prep.componentConfigs.controllerManager,
      '--leader-elect=false',
      '--secure-port',
      '0',
      '--use-service-account-credentials=false',
      '--service-account-private-key-file',
      prep.sa.key,
      '--root-ca-file',
      prep.ca.crt,
      '--service-cluster-ip-range',
      SERVICE_RANGE,
      '--cluster-name',
      `bed-${cluster.name}`,
      // the node-lifecycle controller lifts the not-ready taint of kwok's node (kwok renews its lease)
      '--profiling=false',
      '--v',
      '1'
    ],
    scheduler: [
      bin.kubeScheduler,
      '--kubeconfig',
      prep.componentConfigs.scheduler,
      '--authentication-kubeconfig',
      prep.componentConfigs.scheduler,
      '--authorization-kubeconfig',
      prep.componentConfigs.scheduler,
      '--leader-elect=false',
      '--secure-port',
      '0',
      '--profiling=false',
      '--v',
      '1'
    ],
    kwok: [
      bin.kwok,
      '--kubeconfig',
      prep.componentConfigs.kwok,
      '--config',
      bin.kwokStages,
      '--manage-all-nodes=true',
      '--node-lease-duration-seconds',
      '40'
    ]
  }
}

const fakeNode = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: NODE_NAME,
    labels: {
      'kubernetes.io/hostname': NODE_NAME,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      type: 'kwok'
    },
    annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' }
  },
  status: {
    allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
    capacity: { cpu: '32', memory: '256Gi', pods: '110' }
  }
}

/**
 * Starts one cluster, fresh (its etcd data is wiped). `report(part, detail, ms)` prints a
 * status line; `workloads: false` skips the controllers (then only API objects work).
 */
export async function startCluster(state, bin, cluster, ports, report, { workloads = true } = {}) {
  const prep = prepareCluster(cluster, ports)
  const logs = join(prep.dir, 'logs')
  mkdirSync(logs, { recursive: true })
  rmSync(join(prep.dir, 'etcd'), { recursive: true, force: true })
  const argv = argvs(bin, cluster, ports, prep)
  const tls = { ca: prep.ca.crt, cert: prep.admin.cert, key: prep.admin.key }
  const api = (path, opts = {}) => request(`${prep.server}${path}`, { tls, ...opts })
  const part = (p) => `${cluster.setup} ${p}`
  const start = async (key, probe, timeoutMs) => {
    const t0 = Date.now()
    const log = join(logs, `${key}.log`)
    const name = procName(cluster, key)
    const handle = launch(state, name, { argv: argv[key], log })
    await waitHealthy(part(key), { ...handle, log, probe, timeoutMs })
    report(part(key), `pid ${handle.pid}`, Date.now() - t0)
  }

  await start('etcd', async () => {
    const r = await request(`http://127.0.0.1:${ports.etcd}/health`)
    return r.status === 200 && r.body.includes('"true"') ? true : `health ${r.status}`
  })
  await start('apiserver', () => apiserverReady(prep.server, tls), 90_000)
  if (!workloads) return prep

  const created = await api('/api/v1/nodes', { method: 'POST', json: fakeNode })
  if (created.status !== 201 && created.status !== 409) {
    throw new PartError(
      part('node'),
      `creating node ${NODE_NAME}: HTTP ${created.status} ${created.body.slice(0, 300)}`
    )
  }
  await Promise.all([
    start('controllerManager', async () => {
      // the service-account controller is up once "default" has its ServiceAccount
      const r = await api('/api/v1/namespaces/default/serviceaccounts/default')
      return r.status === 200 ? true : `default ServiceAccount: HTTP ${r.status}`
    }),
    start('scheduler', async () => {
      await sleep(300) // no probe without a serving port: alive after a moment is enough
      return true
    }),
    start('kwok', async () => {
      const r = await api(`/api/v1/nodes/${NODE_NAME}`)
      if (r.status !== 200) return `node: HTTP ${r.status}`
      const node = JSON.parse(r.body)
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready')
      if (ready?.status !== 'True') return `node ${NODE_NAME} not Ready yet`
      // schedulable once the node-lifecycle controller has lifted the not-ready taint
      const taints = node.spec?.taints ?? []
      return taints.length === 0
        ? true
        : `node ${NODE_NAME} still tainted ${taints.map((t) => t.key).join(',')}`
    })
  ])
  return prep
}

export function procName(cluster, key) {
  return `${cluster.setup}:${key}`
}

export async function apiserverReady(server, tls) {
  const r = await request(`${server}/readyz`, { tls })
  return r.status === 200 ? true : `readyz ${r.status}: ${r.body.slice(0, 200)}`
}
