import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'

// Wall time, CPU time and peak memory of processes, measured from outside them.

const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())

/**
 * User + system CPU time (ms) of this process's children that have exited, each with its
 * own waited-for children (`cutime` + `cstime` of /proc/self/stat): the difference around a
 * run is the CPU of the whole process tree it started, however busy the machine is.
 * Resolution: one clock tick (10 ms).
 */
export function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[16 - 3]) + Number(fields[17 - 3])
  return (ticks * 1000) / CLOCK_TICKS_PER_S
}

export interface Timed {
  readonly ms: number
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** Peak resident set size of the process itself (VmHWM), in KiB; 0 when not sampled. */
  readonly peakRssKb: number
}

export interface TimedOptions {
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  readonly input?: string
  /** Sample the process's VmHWM (a high-water mark, so sampling loses only the last interval). */
  readonly sampleMemory?: boolean
}

const SAMPLE_MS = 20

export function timed(
  command: string,
  args: readonly string[],
  options: TimedOptions = {}
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe']
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.stdin.on('error', () => undefined)
    child.stdin.end(options.input ?? '')
    let peakRssKb = 0
    const sample = (): void => {
      if (child.pid !== undefined) peakRssKb = Math.max(peakRssKb, highWaterMarkKb(child.pid))
    }
    const sampler = options.sampleMemory ? setInterval(sample, SAMPLE_MS) : undefined
    if (options.sampleMemory) sample()
    child.on('error', (error) => {
      if (sampler) clearInterval(sampler)
      reject(new Error(`bench: could not start ${command}: ${error.message}`))
    })
    child.on('exit', () => {
      if (sampler) clearInterval(sampler)
    })
    child.on('close', (code) => {
      resolve({
        ms: performance.now() - started,
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        peakRssKb
      })
    })
  })
}

/** Like timed(), but a non-zero exit is an error that shows the end of the process's output. */
export async function timedOk(
  what: string,
  command: string,
  args: readonly string[],
  options: TimedOptions = {}
): Promise<Timed> {
  const result = await timed(command, args, options)
  if (result.code !== 0) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-25).join('\n')
    throw new Error(`bench: ${what} exited with ${result.code}:\n${tail}`)
  }
  return result
}

function highWaterMarkKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status)
    return match ? Number(match[1]) : 0
  } catch {
    return 0 // gone between samples
  }
}
