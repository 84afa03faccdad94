// Controls parts of a running test bed, for fault tests.
//
//   node test/bed/ctl.mjs apiserver stop <setup>    stop that cluster's kube-apiserver
//   node test/bed/ctl.mjs apiserver start <setup>   start it again (same port and flags)
//   node test/bed/ctl.mjs status                    health of every tracked part
import { loadState, launch, running, stopAll, saveState } from './lib/state.mjs'
import { waitHealthy, isRunning } from './lib/procs.mjs'
import { apiserverReady, procName } from './lib/cluster.mjs'
import { bedHealth } from './lib/health.mjs'

function usage(message) {
  console.error(
    `ctl: ${message}\nusage: node test/bed/ctl.mjs apiserver stop|start <setup> | status`
  )
  process.exit(2)
}

const [what, action, setup] = process.argv.slice(2)
const state = loadState()

if (what === 'status') {
  for (const [name, p] of Object.entries(state.procs)) {
    console.log(
      `${isRunning(p.pid, p.argv[0]) ? 'running' : 'stopped'}  ${name}  pid ${p.pid ?? '-'}`
    )
  }
  const problem = await bedHealth(state)
  console.log(problem ? `unhealthy: ${problem}` : 'healthy')
  process.exit(problem ? 1 : 0)
}

if (what !== 'apiserver') usage(`unknown part '${what ?? ''}'`)
const cluster = (state.clusters ?? []).find((c) => c.setup === setup)
if (!cluster || cluster.external) {
  usage(
    `no local cluster '${setup ?? ''}' in the running bed (setups: ${(state.clusters ?? []).map((c) => c.setup).join(' ')})`
  )
}
const name = procName(cluster, 'apiserver')
const proc = state.procs[name]

if (action === 'stop') {
  await stopAll(state, [name])
  console.log(`ctl: ${setup} kube-apiserver stopped`)
} else if (action === 'start') {
  if (running(state, name)) {
    console.log(`ctl: ${setup} kube-apiserver already running (pid ${proc.pid})`)
  } else {
    const handle = launch(state, name, { argv: proc.argv, log: proc.log })
    await waitHealthy(`${setup} apiserver`, {
      ...handle,
      log: proc.log,
      probe: () => apiserverReady(cluster.server, cluster.tls),
      timeoutMs: 90_000
    })
    saveState(state)
    console.log(`ctl: ${setup} kube-apiserver started (pid ${handle.pid})`)
  }
} else {
  usage(`unknown action '${action ?? ''}'`)
}
