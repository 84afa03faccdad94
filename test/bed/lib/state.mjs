// The state file (.testbed/state.json): every process the bed started (argv, log, pid),
// so that down/ctl stop exactly those pids, plus ports and secrets of the running bed.
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs'
import { stateDir, stateFile } from './layout.mjs'
import { startProcess, stopProcess, isRunning } from './procs.mjs'

export function loadState() {
  if (!existsSync(stateFile)) return { procs: {} }
  return JSON.parse(readFileSync(stateFile, 'utf8'))
}

export function saveState(state) {
  mkdirSync(stateDir, { recursive: true })
  const tmp = `${stateFile}.tmp`
  writeFileSync(tmp, JSON.stringify(state, null, 2), { mode: 0o600 })
  renameSync(tmp, stateFile)
}

/** Starts a process spec ({ argv, log, env? }) under `name` and records its pid at once. */
export function launch(state, name, spec) {
  const { pid, exited } = startProcess(spec)
  state.procs[name] = { ...spec, pid }
  saveState(state)
  return { pid, exited }
}

export function running(state, name) {
  const p = state.procs[name]
  return p ? isRunning(p.pid, p.argv[0]) : false
}

/** Stops the named processes (all when omitted), in reverse start order. */
export async function stopAll(state, names = Object.keys(state.procs).reverse()) {
  await Promise.all(
    names.map(async (name) => {
      const p = state.procs[name]
      if (!p) return
      await stopProcess(p.pid, p.argv[0])
      p.pid = null
    })
  )
  saveState(state)
}
