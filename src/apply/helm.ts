import { run, type RunResult } from '../process.ts'

export { childEnv } from '../child-env.ts'
import type { HelmMajor } from './helm-args.ts'

/** The helm binary this run uses. */
export interface Helm {
  readonly path: string
  /** As the binary reports it, e.g. `v4.3.1`. */
  readonly version: string
  readonly major: HelmMajor
}

/** Where one helm call runs: its environment (kubeconfig, per-run repository config) and log. */
export interface HelmContext {
  readonly env: NodeJS.ProcessEnv
  readonly signal?: AbortSignal
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void
  readonly input?: string
}

export class HelmError extends Error {
  readonly result: RunResult
  constructor(message: string, result: RunResult) {
    super(message)
    this.result = result
  }
}

/**
 * helm's environment: one processor for Go code unless the job sets GOMAXPROCS. The
 * action runs several helm processes at once, each mostly waiting on the API server;
 * with a thread per core each, their Go schedulers and collectors compete for a
 * small runner's cores and spend about a tenth more CPU for the same work. A helm
 * process lives a second or two: collecting at four times the live heap (GOGC=400)
 * instead of two spends about a tenth less CPU for some 20 MB more, and GOMEMLIMIT
 * keeps a very large release from growing past 1 GiB before a collection. A job that
 * sets GOGC or GOMEMLIMIT keeps its own collector settings.
 */
export function helmEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const collector =
    env.GOGC === undefined && env.GOMEMLIMIT === undefined
      ? { GOGC: '400', GOMEMLIMIT: '1GiB' }
      : {}
  return { GOMAXPROCS: '1', ...collector, ...env }
}

/** Runs helm; a non-zero exit becomes a HelmError carrying helm's (masked) error output. */
export async function helmRun(
  helm: Helm,
  args: readonly string[],
  context: HelmContext
): Promise<RunResult> {
  const result = await run(helm.path, args, {
    env: helmEnv(context.env),
    signal: context.signal,
    input: context.input,
    onLine: context.onLine
  })
  if (result.code === 0) return result
  const what = `helm ${args[0]}`
  if (result.cancelled) throw new HelmError(`${what} stopped: the run was cancelled`, result)
  throw new HelmError(`${what} failed: ${helmMessage(result.stderr)}`, result)
}

/**
 * Helm's own error lines, without the noise of warnings, short enough for an annotation.
 * Helm 4 prints some errors over several lines, the later ones indented: they stay
 * with their `Error:` line.
 */
export function helmMessage(stderr: string): string {
  const lines: string[] = []
  const errors: string[] = []
  let inError = false
  for (const raw of stderr.split('\n')) {
    const line = raw.trim()
    if (!line || /^(WARNING|walk\.go|level=WARN)/i.test(line)) {
      inError = false
      continue
    }
    if (/^Error:/.test(line)) {
      errors.push(line)
      inError = true
    } else if (inError && /^\s/.test(raw)) errors.push(line)
    else inError = false
    lines.push(line)
  }
  const chosen = (errors.length > 0 ? errors : lines).slice(-10).join('\n')
  const text = chosen.replace(/^Error:\s*/gm, '')
  return (text.length > 2000 ? text.slice(0, 2000) + '…' : text) || 'no error output'
}
