// One `up`/`down` at a time per bed: test runs started together must not both start a bed
// in the same folder. The lock is a directory holding the owner's pid; a dead owner's lock
// is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { stateDir } from './layout.mjs'

const lockDir = join(stateDir, 'lock')

function ownerAlive() {
  try {
    const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'))
    process.kill(pid, 0)
    return pid
  } catch {
    return undefined
  }
}

/** Runs `fn` holding the bed lock; waits up to `timeoutMs` for another holder. */
export async function withBedLock(fn, timeoutMs = 600_000) {
  mkdirSync(stateDir, { recursive: true })
  const deadline = Date.now() + timeoutMs
  let told = false
  for (;;) {
    try {
      mkdirSync(lockDir)
      writeFileSync(join(lockDir, 'pid'), String(process.pid))
      break
    } catch (err) {
      if (err.code !== 'EEXIST') throw err
      const owner = ownerAlive()
      if (owner === undefined) {
        await sleep(200) // the owner may be between mkdir and writing its pid
        if (ownerAlive() === undefined) rmSync(lockDir, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline)
        throw new Error(`test bed lock ${lockDir} still held by pid ${owner}`, { cause: err })
      if (!told) console.log(`testbed: waiting for pid ${owner} (another up/down of this bed)`)
      told = true
      await sleep(500)
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(lockDir, { recursive: true, force: true })
  }
}
