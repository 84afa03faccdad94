// `node bench/health-reads.ts`: the API requests the health gate makes for 40
// health-checked releases of one setup (each a Deployment and 19 ConfigMaps), counted
// by the gate and at a latency proxy, against what reading each object would take.
//   npm run build && node bench/health-reads.ts [--releases 40] [--config-maps 19] [--rtt 40] [--out DIR]
// The result goes to <out>/<date>-health-reads.json (default bench/results/).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { runAction } from '../__tests__/support/action-runner.ts'
import { APP_CHART } from '../__tests__/support/app-chart.ts'
import { pushPayload } from '../__tests__/support/events.ts'
import { Cluster, mirrorUrl, testbed } from '../__tests__/support/testbed.ts'
import { gitRevision, loadNow } from './figures.ts'
import { proxyCertificate, startLatencyProxy } from './latency-proxy.ts'
import { git, write } from './git-files.ts'

const root = resolve(import.meta.dirname, '..')
const SETUP = 'bench/h0'
const NAMESPACE = 'bench-health'

const { values } = parseArgs({
  options: {
    releases: { type: 'string', default: '40' },
    'config-maps': { type: 'string', default: '19' },
    rtt: { type: 'string', default: '40' },
    out: { type: 'string', default: join(root, 'bench', 'results') }
  }
})
const releases = Number(values.releases)
const configMaps = Number(values['config-maps'])
const rttMs = Number(values.rtt)
for (const [name, n] of [
  ['releases', releases],
  ['config-maps', configMaps],
  ['rtt', rttMs]
] as const)
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`bench: --${name} takes a whole number, not ${String(n)}`)

interface GateLine {
  readonly objects: number
  readonly reads: number
  readonly requests: number
}

/** The gate's own count, one line a release: `Health: healthy (20 object(s), 2 read(s), 4 API request(s))`. */
function gateLines(log: string): GateLine[] {
  return [
    ...log.matchAll(/Health: \w+ \((\d+) object\(s\), (\d+) read\(s\), (\d+) API request\(s\)\)/g)
  ].map((m) => ({ objects: Number(m[1]), reads: Number(m[2]), requests: Number(m[3]) }))
}

function writeAll(dir: string, files: Readonly<Record<string, string>>): void {
  for (const [path, text] of Object.entries(files)) write(dir, path, text)
}

async function main(): Promise<void> {
  const bed = testbed()
  const work = mkdtempSync(join(tmpdir(), 'bench-health-'))
  const [kubeconfig] = bed.kubeconfigs
  if (!kubeconfig) throw new Error('bench: the test bed has no cluster (`npm run testbed:up`)')
  const proxy = await startLatencyProxy({
    kubeconfig,
    out: join(work, 'proxied.kubeconfig'),
    oneWayMs: rttMs / 2,
    certificate: proxyCertificate(join(work, 'proxy'))
  })
  const store = join(work, 'store', SETUP)
  mkdirSync(store, { recursive: true })
  copyFileSync(proxy.kubeconfig, join(store, 'kubeconfig.yaml'))
  const ops = join(work, 'ops')
  mkdirSync(ops)
  git(ops, 'init', '--quiet', '--initial-branch=main')
  writeAll(ops, {
    ...APP_CHART,
    'charts/app/values.yaml': `stuck: false\nconfigMaps: ${configMaps}\n`,
    'README.md': 'health reads\n'
  })
  git(ops, 'add', '-A')
  git(ops, 'commit', '--quiet', '-m', 'chart')
  const before = git(ops, 'rev-parse', 'HEAD')
  const plans = Array.from({ length: releases }, (_, i) => `${SETUP}/${NAMESPACE}/app-${i}.yaml`)
  writeAll(ops, Object.fromEntries(plans.map((p) => [p, 'chart: ./charts/app\nhealth: true\n'])))
  git(ops, 'add', '-A')
  git(ops, 'commit', '--quiet', '-m', 'health-checked releases')
  const after = git(ops, 'rev-parse', 'HEAD')

  proxy.reset()
  const run = await runAction({
    workspace: ops,
    eventName: 'push',
    event: pushPayload({ before, after }),
    inputs: {
      'github-token': 'bench-token',
      'kubeconfig-store-url': `file://${join(work, 'store')}`,
      'helm-version': bed.helm4Version,
      'helm-download-url': mirrorUrl(bed.helmMirror),
      'parallel-plans': '8'
    },
    env: { NODE_EXTRA_CA_CERTS: bed.ca, SSL_CERT_FILE: bed.ca },
    timeoutMs: 900_000
  })
  const atProxy = proxy.counts()
  await proxy.close()
  const gate = gateLines(run.log)
  if (run.code !== 0 || gate.length !== releases)
    throw new Error(
      `bench: the push did not health-check ${releases} releases (exit ${run.code}, ${gate.length} gate lines):\n${run.log.slice(-3000)}`
    )
  const sum = (f: (g: GateLine) => number): number => gate.reduce((n, g) => n + f(g), 0)
  const result = {
    date: new Date().toISOString(),
    action: gitRevision(root),
    rtt_ms: rttMs,
    releases,
    objects_per_release: 1 + configMaps,
    load_average: loadNow(),
    health_requests: sum((g) => g.requests),
    health_reads: sum((g) => g.reads),
    health_requests_per_release: sum((g) => g.requests) / releases,
    per_object_poll_requests: sum((g) => g.objects * g.reads),
    all_requests_at_proxy: atProxy.requests,
    peak_in_flight_at_proxy: atProxy.peakInFlight,
    push_ms: run.durationMs
  }
  console.log(JSON.stringify(result, null, 2))
  mkdirSync(values.out, { recursive: true })
  const file = join(values.out, `${result.date.slice(0, 10)}-health-reads.json`)
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  console.log(`written ${file}`)
  // The releases go with their namespace: the next run starts from nothing.
  await new Cluster(SETUP, kubeconfig).deleteNamespace(NAMESPACE)
  rmSync(work, { recursive: true, force: true })
}

await main()
