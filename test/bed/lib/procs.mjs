// Processes of the test bed: started detached (own process group, output to a log file),
// tracked by pid in the state file, stopped by pid (never by name).
import { spawn } from 'node:child_process'
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/** A part could not start or is unhealthy; `part` names it for the status line. */
export class PartError extends Error {
  constructor(part, message) {
    super(`${part}: ${message}`)
    this.part = part
  }
}

/** Last lines of a log file, indented, for error messages. */
export function logTail(log, lines = 15) {
  if (!existsSync(log)) return '  (no log)'
  const text = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines)
  return text.map((l) => `  | ${l}`).join('\n')
}

/**
 * Starts `spec.argv` detached with output appended to `spec.log`.
 * Returns { pid, exited } where `exited` resolves with the exit code if it dies.
 */
export function startProcess(spec) {
  const fd = openSync(spec.log, 'a')
  try {
    const child = spawn(spec.argv[0], spec.argv.slice(1), {
      detached: true,
      stdio: ['ignore', fd, fd],
      cwd: spec.cwd,
      env: { ...process.env, ...(spec.env ?? {}) }
    })
    const exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ?? code))
      child.once('error', (err) => resolve(err.message))
    })
    child.unref()
    return { pid: child.pid, exited }
  } finally {
    closeSync(fd)
  }
}

/**
 * True when `pid` runs and is the same program as argv0 (guards against pid reuse; nginx
 * rewrites its title to "nginx: master process <argv0> ...", hence a substring test).
 */
export function isRunning(pid, argv0) {
  if (!pid) return false
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0]
    return state !== 'Z' && cmdline.includes(argv0)
  } catch {
    return false
  }
}

/** Stops a tracked process (its whole process group): TERM, then KILL after `graceMs`. */
export async function stopProcess(pid, argv0, graceMs = 5_000) {
  if (!isRunning(pid, argv0)) return false
  const signal = (sig) => {
    try {
      process.kill(-pid, sig)
    } catch {
      try {
        process.kill(pid, sig)
      } catch {
        /* already gone */
      }
    }
  }
  signal('SIGTERM')
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    if (!isRunning(pid, argv0)) return true
    await sleep(100)
  }
  signal('SIGKILL')
  for (let i = 0; i < 50 && isRunning(pid, argv0); i++) await sleep(100)
  return true
}

/**
 * Polls `probe` (resolving truthy when healthy) until it succeeds, the process exits,
 * or `timeoutMs` passes; throws a PartError naming `part` with the log tail.
 */
export async function waitHealthy(part, { exited, log, probe, timeoutMs = 60_000 }) {
  let dead
  exited?.then((code) => (dead = code ?? 'unknown'))
  const deadline = Date.now() + timeoutMs
  let last = 'not ready'
  while (Date.now() < deadline) {
    if (dead !== undefined) {
      throw new PartError(
        part,
        `exited (${dead}) before it was ready; log ${log}:\n${logTail(log)}`
      )
    }
    try {
      const ok = await probe()
      if (ok === true) return
      last = String(ok)
    } catch (err) {
      last = err.message
    }
    await sleep(150)
  }
  throw new PartError(
    part,
    `not ready after ${timeoutMs / 1000} s (${last}); log ${log}:\n${logTail(log)}`
  )
}
