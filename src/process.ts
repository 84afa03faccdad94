import { spawn } from 'node:child_process'
import { mask } from './report/masking.ts'

// The one way the action starts a process (git, helm, hooks): an argument
// array and never a shell string, output masked, a timeout and cancellation
// that stop the whole process tree.

export interface RunOptions {
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  readonly input?: string
  /** Kill the process tree after this long; the result then has timedOut = true. */
  readonly timeoutMs?: number
  /** Aborting kills the process tree (SIGTERM, then SIGKILL after a grace period). */
  readonly signal?: AbortSignal
  /** Each output line, already masked, as it arrives (for live logs). */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void
}

export interface RunResult {
  /** null when the process was ended by a signal. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** Raw: stdout is data (helm JSON, git paths) for the caller to parse. */
  readonly stdout: string
  /** Masked: stderr is diagnostics and ends up in errors and logs. */
  readonly stderr: string
  readonly timedOut: boolean
  readonly cancelled: boolean
  readonly durationMs: number
}

const KILL_GRACE_MS = 2_000

export class ProcessStartError extends Error {}

export function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {}
): Promise<RunResult> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    // detached: the child leads its own process group, so the whole tree can be signalled.
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe']
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let timedOut = false
    let cancelled = false
    let killTimer: NodeJS.Timeout | undefined

    const killTree = (): void => {
      signalTree(child.pid, 'SIGTERM')
      killTimer ??= setTimeout(() => signalTree(child.pid, 'SIGKILL'), KILL_GRACE_MS)
    }
    const timeout =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            killTree()
          }, options.timeoutMs)
    const onAbort = (): void => {
      cancelled = true
      killTree()
    }
    if (options.signal?.aborted) onAbort()
    options.signal?.addEventListener('abort', onAbort, { once: true })

    lines(child.stdout, stdout, (l) => options.onLine?.(mask(l), 'stdout'))
    lines(child.stderr, stderr, (l) => options.onLine?.(mask(l), 'stderr'))
    child.stdin.on('error', () => undefined)
    child.stdin.end(options.input ?? '')

    child.on('error', (error) => {
      cleanup()
      reject(new ProcessStartError(`could not start ${command}: ${error.message}`))
    })
    child.on('close', (code, signal) => {
      cleanup()
      // The group may still hold grandchildren that outlived the leader (a hook's background job).
      if (timedOut || cancelled) signalTree(child.pid, 'SIGKILL')
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: mask(Buffer.concat(stderr).toString('utf8')),
        timedOut,
        cancelled,
        durationMs: Math.round(performance.now() - started)
      })
    })

    function cleanup(): void {
      if (timeout) clearTimeout(timeout)
      if (killTimer) clearTimeout(killTimer)
      options.signal?.removeEventListener('abort', onAbort)
    }
  })
}

function signalTree(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone.
  }
}

function lines(
  stream: NodeJS.ReadableStream,
  sink: Buffer[],
  onLine: (line: string) => void
): void {
  let pending = ''
  stream.on('data', (chunk: Buffer) => {
    sink.push(chunk)
    pending += chunk.toString('utf8')
    const parts = pending.split('\n')
    pending = parts.pop() ?? ''
    for (const part of parts) onLine(part)
  })
  stream.on('end', () => {
    if (pending) onLine(pending)
  })
}
