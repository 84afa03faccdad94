// Stops every process the test bed started (by the pids in .testbed/state.json).
import { loadState, stopAll } from './lib/state.mjs'
import { rmSync } from 'node:fs'
import { envFile } from './lib/layout.mjs'

const state = loadState()
const names = Object.keys(state.procs)
await stopAll(state)
rmSync(envFile, { force: true })
console.log(names.length > 0 ? `testbed: stopped ${names.join(', ')}` : 'testbed: nothing was running')
