// Stops every process the test bed started (by the pids in .testbed/state.json) and
// checks that none of them is left running.
import { rmSync } from 'node:fs'
import { loadState, stopAll, running } from './lib/state.mjs'
import { isRunning } from './lib/procs.mjs'
import { envFile } from './lib/layout.mjs'
import { withBedLock } from './lib/lock.mjs'

await withBedLock(down)

async function down() {
  const state = loadState()
  const names = Object.keys(state.procs).filter((name) => running(state, name))
  const tracked = names.map((name) => ({
    name,
    pid: state.procs[name].pid,
    argv0: state.procs[name].argv[0]
  }))
  await stopAll(state)
  rmSync(envFile, { force: true })
  const left = tracked
    .filter((p) => isRunning(p.pid, p.argv0))
    .map((p) => `${p.name} (pid ${p.pid})`)
  if (left.length > 0) {
    console.error(`testbed: still running after down: ${left.join(', ')}`)
    process.exitCode = 1
  } else {
    console.log(
      names.length > 0 ? `testbed: stopped ${names.join(', ')}` : 'testbed: nothing was running'
    )
  }
}
