// Brings the test bed up (or reuses a healthy running one) and writes .testbed/env.
//
//   node test/bed/up.mjs              start (or reuse) both clusters, nginx and the registry
//   TESTBED_FRESH=1 node ...          stop a running bed first and start anew
//   TESTBED_EXTERNAL_KUBECONFIGS="/path/kind.kubeconfig ..."  serve these clusters through
//                                     the store instead of starting local ones
//
// Binaries come from .cache/ (npm run testbed:build). Status line per part; on failure the
// part is named, everything started is stopped again, and the exit code is 1.
import { existsSync, mkdirSync, copyFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { binaries, versions, stateDir, CLUSTERS, envFile } from './lib/layout.mjs'
import { loadState, saveState, stopAll } from './lib/state.mjs'
import { startCluster } from './lib/cluster.mjs'
import { ensureCa, ensureLeaf } from './lib/pki.mjs'
import { prepareNginx, startNginx, startRegistry } from './lib/web.mjs'
import { buildChartRepo, pushCharts, chartsSrc } from './lib/charts.mjs'
import { writeEnv } from './lib/env.mjs'
import { freePorts, bedHealth } from './lib/health.mjs'
import { PartError } from './lib/procs.mjs'
import { withBedLock } from './lib/lock.mjs'

const t0 = Date.now()
const report = (part, detail, ms) =>
  console.log(
    `  ok  ${part.padEnd(30)} ${detail}${ms === undefined ? '' : ` (${(ms / 1000).toFixed(1)} s)`}`
  )

function checkBuilt(bin, external) {
  const needed = ['helm4', 'helm3', 'sops', 'age', 'ageKeygen', 'nginx', 'registry', 'htpasswd']
  if (!external)
    needed.push(
      'etcd',
      'kubeApiserver',
      'kubeControllerManager',
      'kubeScheduler',
      'kwok',
      'kwokStages'
    )
  for (const key of needed) {
    if (!existsSync(bin[key])) {
      const hint =
        key === 'nginx' || key === 'registry' || key === 'htpasswd'
          ? 'bash test/bed/install-deps.sh'
          : 'npm run testbed:build'
      throw new PartError(key, `missing ${bin[key]}: run \`${hint}\``)
    }
  }
}

function externalClusters() {
  const files = (process.env.TESTBED_EXTERNAL_KUBECONFIGS ?? '').split(/\s+/).filter(Boolean)
  return files.map((file, i) => ({
    name: `external-${i + 1}`,
    setup: `external/c${i + 1}`,
    kubeconfig: resolve(file)
  }))
}

/** An age identity for SOPS-encrypted values: made once per bed, its recipient read back. */
function ageKey(bin) {
  const dir = join(stateDir, 'age')
  const keyFile = join(dir, 'key.txt')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  rmSync(keyFile, { force: true })
  execFileSync(bin.ageKeygen, ['-o', keyFile], { stdio: 'ignore' })
  const recipient = execFileSync(bin.ageKeygen, ['-y', keyFile], { encoding: 'utf8' }).trim()
  return { keyFile, recipient }
}

async function start(state, bin, v) {
  const external = externalClusters()
  const ports = await freePorts(2 + (external.length > 0 ? 0 : CLUSTERS.length * 3))
  const [nginxPort, registryPort] = ports
  const bedCa = ensureCa(join(stateDir, 'pki'), 'testbed CA')
  const sans = ['IP:127.0.0.1', 'DNS:localhost']
  const webTls = {
    ...ensureLeaf(bedCa, 'web', { subject: '/CN=127.0.0.1', usage: 'server', sans }),
    ca: bedCa.crt
  }
  const creds = {
    store: { user: 'store', password: randomBytes(16).toString('hex') },
    charts: { user: 'charts', password: randomBytes(16).toString('hex') },
    oci: { user: 'oci', password: randomBytes(16).toString('hex') }
  }
  Object.assign(state, {
    nginx: { port: nginxPort },
    registry: { port: registryPort },
    bedCa: bedCa.crt,
    clusters: []
  })
  const web = prepareNginx(nginxPort, webTls, bin, creds)
  rmSync(join(stateDir, 'registry', 'data'), { recursive: true, force: true })
  const registry = `127.0.0.1:${registryPort}`

  const storeKubeconfig = (setup, file) => {
    const dir = join(web.store, ...setup.split('/'))
    mkdirSync(dir, { recursive: true })
    copyFileSync(file, join(dir, 'kubeconfig.yaml'))
  }

  const clusters =
    external.length > 0
      ? external.map(async (c) => {
          if (!existsSync(c.kubeconfig))
            throw new PartError(c.setup, `kubeconfig ${c.kubeconfig} not found`)
          storeKubeconfig(c.setup, c.kubeconfig)
          report(c.setup, `external cluster from ${c.kubeconfig}`)
          return { ...c, external: true }
        })
      : CLUSTERS.map(async (cluster, i) => {
          const p = ports.slice(2 + i * 3, 5 + i * 3)
          const clusterPorts = { etcd: p[0], etcdPeer: p[1], api: p[2] }
          const prep = await startCluster(state, bin, cluster, clusterPorts, report)
          storeKubeconfig(cluster.setup, prep.kubeconfig)
          return {
            ...cluster,
            ports: clusterPorts,
            server: prep.server,
            kubeconfig: prep.kubeconfig,
            tls: { ca: prep.ca.crt, cert: prep.admin.cert, key: prep.admin.key }
          }
        })

  const web$ = (async () => {
    await startNginx(state, bin, nginxPort, webTls, report)
    const t = Date.now()
    const names = await buildChartRepo(bin.helm4, web.charts)
    report('chart repository', `${names.join(', ')} at /charts`, Date.now() - t)
    return names
  })()
  const registry$ = (async () => {
    await startRegistry(state, bin, registryPort, webTls, creds.oci, report)
    await web$ // the packaged charts
    const t = Date.now()
    const pushed = await pushCharts(bin.helm4, web.charts, registry, bedCa.crt, creds.oci)
    report('oci charts', pushed.map((p) => `oci://${registry}/${p}`).join(' '), Date.now() - t)
    return pushed
  })()

  // settle all before judging, so a failure leaves no part half-started untracked
  const results = await Promise.allSettled([...clusters, web$, registry$])
  const failed = results.filter((r) => r.status === 'rejected')
  if (failed.length > 0)
    throw failed.length === 1 ? failed[0].reason : new AggregateError(failed.map((f) => f.reason))
  const readyClusters = results.slice(0, clusters.length).map((r) => r.value)
  const chartNames = results[clusters.length].value
  const ociCharts = results[clusters.length + 1].value
  state.clusters = readyClusters
  saveState(state)

  const base = `127.0.0.1:${nginxPort}`
  const age = ageKey(bin)
  writeEnv({
    TESTBED_DIR: stateDir,
    TESTBED_HELM4: bin.helm4,
    TESTBED_HELM3: bin.helm3,
    TESTBED_HELM4_VERSION: v.HELM4_VERSION,
    TESTBED_HELM3_VERSION: v.HELM3_VERSION,
    TESTBED_HELM_MIRROR: `https://${base}/helm`,
    TESTBED_HELM_MIRROR_BAD: `https://${base}/helm-bad`,
    TESTBED_CA: bedCa.crt,
    TESTBED_STORE_URL: `https://${creds.store.user}:${creds.store.password}@${base}/store`,
    TESTBED_STORE_USER: creds.store.user,
    TESTBED_STORE_PASSWORD: creds.store.password,
    TESTBED_SETUPS: readyClusters.map((c) => c.setup).join(' '),
    TESTBED_KUBECONFIGS: readyClusters.map((c) => c.kubeconfig).join(' '),
    TESTBED_KUBE_VERSION: external.length > 0 ? '' : v.KUBE_VERSION,
    TESTBED_EXTERNAL: external.length > 0 ? 'true' : 'false',
    TESTBED_CHART_REPO: `https://${creds.charts.user}:${creds.charts.password}@${base}/charts`,
    TESTBED_CHART_REPO_USER: creds.charts.user,
    TESTBED_CHART_REPO_PASSWORD: creds.charts.password,
    TESTBED_CHART_REPO_CHARTS: chartNames.join(' '),
    TESTBED_OCI: registry,
    TESTBED_OCI_CHARTS: ociCharts.join(' '),
    TESTBED_OCI_USER: creds.oci.user,
    TESTBED_OCI_PASSWORD: creds.oci.password,
    TESTBED_SAMPLE_CHARTS: chartsSrc,
    TESTBED_SOPS: bin.sops,
    TESTBED_SOPS_VERSION: v.SOPS_VERSION,
    TESTBED_AGE_KEY_FILE: age.keyFile,
    TESTBED_AGE_RECIPIENT: age.recipient
  })
}

async function main() {
  const v = versions()
  const bin = binaries(v)
  const external = externalClusters().length > 0
  checkBuilt(bin, external)
  mkdirSync(stateDir, { recursive: true })
  let state = loadState()
  if (!process.env.TESTBED_FRESH && Object.keys(state.procs).length > 0 && existsSync(envFile)) {
    const problem = await bedHealth(state)
    if (!problem) {
      console.log(`testbed: reusing the running test bed (${envFile})`)
      return
    }
    console.log(`testbed: running bed is not healthy (${problem}); starting anew`)
  }
  await stopAll(state)
  rmSync(envFile, { force: true })
  state = { procs: {}, startedAt: new Date().toISOString() }
  saveState(state)
  console.log(
    `testbed: starting (${external ? 'external clusters' : `clusters ${CLUSTERS.map((c) => c.setup).join(', ')}`}, nginx, registry)`
  )
  try {
    await start(state, bin, v)
  } catch (err) {
    const errors = err instanceof AggregateError ? err.errors : [err]
    for (const e of errors)
      console.error(`  FAIL ${e.part ? e.message : `testbed: ${e.stack ?? e}`}`)
    console.error('testbed: up failed; stopping what was started')
    await stopAll(state)
    process.exitCode = 1
    return
  }
  console.log(
    `testbed: up in ${((Date.now() - t0) / 1000).toFixed(1)} s; environment in ${envFile}`
  )
}

try {
  await withBedLock(main)
} catch (err) {
  console.error(`  FAIL ${err.part ? err.message : `testbed: ${err.stack ?? err}`}`)
  process.exitCode = 1
}
