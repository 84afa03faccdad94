import { spawn } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { mask } from './secrets/masking.ts'

// The one way the action starts a process (git, helm, hooks): an argument
// array and never a shell string, output masked, a timeout and cancellation
// that stop the whole process tree. A process ends when it exits: whatever it
// left running in its process group is ended too, and output is held bounded.

export interface RunOptions {
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  readonly input?: string
  /** Kill the process tree after this long; the result then has timedOut = true. */
  readonly timeoutMs?: number
  /** Aborting kills the process tree (SIGTERM, then SIGKILL after a grace period). */
  readonly signal?: AbortSignal
  /** Each output line, already masked and cut to MAX_LINE_CHARS, as it arrives (for live logs). */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void
  /** Keep stdout whole in the result (default true): false for output that is only log material (hooks). */
  readonly captureStdout?: boolean
}

export interface RunResult {
  /** null when the process was ended by a signal. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** Raw: stdout is data (helm JSON, git paths) for the caller to parse; '' without captureStdout. */
  readonly stdout: string
  /** Masked, and only its last STDERR_TAIL_BYTES: stderr is diagnostics for errors and logs. */
  readonly stderr: string
  readonly timedOut: boolean
  readonly cancelled: boolean
  readonly durationMs: number
}

const KILL_GRACE_MS = 2_000
/** After the process exited, how long its output pipes may stay open (held by a process that left its group). */
const CLOSE_GRACE_MS = KILL_GRACE_MS + 500
export const STDERR_TAIL_BYTES = 64 * 1024
export const MAX_LINE_CHARS = 4_096

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
    const stderr = new Tail(STDERR_TAIL_BYTES)
    let timedOut = false
    let cancelled = false
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined
    let killTimer: NodeJS.Timeout | undefined
    let closeTimer: NodeJS.Timeout | undefined
    let settled = false

    const killTree = (): void => {
      signalTree(child.pid, 'SIGTERM')
      // Kept after the result is in (unref'd): what ignores SIGTERM still goes.
      killTimer ??= setTimeout(() => signalTree(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref()
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

    const capture = options.captureStdout ?? true
    const onLine = options.onLine
    child.stdout.on('data', (chunk: Buffer) => {
      if (capture) stdout.push(chunk)
    })
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    if (onLine) {
      splitLines(child.stdout, (l) => onLine(mask(l), 'stdout'))
      splitLines(child.stderr, (l) => onLine(mask(l), 'stderr'))
    }
    child.stdin.on('error', () => undefined)
    child.stdin.end(options.input ?? '')

    child.on('error', (error) => {
      cleanup()
      settled = true
      reject(new ProcessStartError(`could not start ${command}: ${error.message}`))
    })
    child.on('exit', (code, signal) => {
      exited = { code, signal }
      if (timeout) clearTimeout(timeout)
      // Its end is the exit of the process itself: a background job it left behind
      // (holding the output pipes open) is ended, not waited for.
      killTree()
      closeTimer = setTimeout(() => {
        child.stdout.destroy()
        child.stderr.destroy()
        finish()
      }, CLOSE_GRACE_MS)
    })
    child.on('close', finish)

    function finish(): void {
      if (settled || !exited) return
      settled = true
      cleanup()
      // Stopped on purpose: no grace left for what is still in the group.
      if (timedOut || cancelled) signalTree(child.pid, 'SIGKILL')
      resolve({
        code: exited.code,
        signal: exited.signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: mask(stderr.text()),
        timedOut,
        cancelled,
        durationMs: Math.round(performance.now() - started)
      })
    }

    function cleanup(): void {
      if (timeout) clearTimeout(timeout)
      if (closeTimer) clearTimeout(closeTimer)
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

/** The last `limit` bytes written, whatever was written before. */
class Tail {
  readonly #limit: number
  #chunks: Buffer[] = []
  #size = 0

  constructor(limit: number) {
    this.#limit = limit
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk)
    this.#size += chunk.length
    while (this.#size - (this.#chunks[0]?.length ?? 0) >= this.#limit) {
      this.#size -= this.#chunks.shift()?.length ?? 0
    }
  }

  text(): string {
    const all = Buffer.concat(this.#chunks)
    // A cut inside a multi-byte character shows as one replacement character.
    return all.subarray(Math.max(0, all.length - this.#limit)).toString('utf8')
  }
}

/**
 * Calls onLine for each line of a stream as it arrives. A line longer than
 * MAX_LINE_CHARS is cut there (with a note), the rest of it skipped, so memory stays bounded.
 */
export function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  const decoder = new StringDecoder('utf8')
  let pending = ''
  let skipping = false
  const take = (text: string): void => {
    pending += text
    let start = 0
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
      if (!skipping) onLine(pending.slice(start, end))
      skipping = false
      start = end + 1
    }
    pending = pending.slice(start)
    if (!skipping && pending.length > MAX_LINE_CHARS) {
      onLine(`${pending.slice(0, MAX_LINE_CHARS)} … (line cut at ${MAX_LINE_CHARS} characters)`)
      skipping = true
    }
    if (skipping) pending = ''
  }
  stream.on('data', (chunk: Buffer) => take(decoder.write(chunk)))
  stream.on('end', () => {
    take(decoder.end())
    if (pending && !skipping) onLine(pending)
  })
}
