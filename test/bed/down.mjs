// Stops every process the test bed started (by the pids in .testbed/state.json) and
// checks that none of them is left running.
import { rmSync } from 'node:fs'
import { loadState, stopAll, running } from './lib/state.mjs'
import { envFile } from './lib/layout.mjs'

const state = loadState()
const names = Object.keys(state.procs).filter((name) => running(state, name))
await stopAll(state)
rmSync(envFile, { force: true })
const left = Object.keys(state.procs).filter((name) => running(state, name))
if (left.length > 0) {
  console.error(`testbed: still running after down: ${left.join(', ')}`)
  process.exitCode = 1
} else {
  console.log(names.length > 0 ? `testbed: stopped ${names.join(', ')}` : 'testbed: nothing was running')
}
