// Runs the built action (dist/index.js, then dist/post.js) as child processes the
// way the GitHub runner does: INPUT_* variables, the event file, GITHUB_OUTPUT /
// GITHUB_STEP_SUMMARY / GITHUB_STATE files, RUNNER_TEMP and RUNNER_TOOL_CACHE.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { load } from 'js-yaml'
import { actionDefaults } from '../../src/action-defaults.ts'
import { workflowCommands } from './workflow-commands.ts'

const repoRoot = resolve(import.meta.dirname, '..', '..')
export const distIndex = join(repoRoot, 'dist', 'index.js')
export const distPost = join(repoRoot, 'dist', 'post.js')

/**
 * Whether the runner starts the post step, by action.yml's `post-if` (status functions
 * joined by `||`, the only form it uses) after a main step that ended so.
 */
export function postRuns(main: { readonly failed: boolean; readonly cancelled: boolean }): boolean {
  const runs = (
    load(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as {
      runs: { 'post-if'?: string }
    }
  ).runs
  const status: Readonly<Record<string, boolean>> = {
    'always()': true,
    'success()': !main.failed && !main.cancelled,
    'failure()': main.failed && !main.cancelled,
    'cancelled()': main.cancelled
  }
  return (runs['post-if'] ?? 'always()').split('||').some((term) => {
    const value = status[term.trim()]
    if (value === undefined) throw new Error(`action.yml post-if: cannot evaluate '${term.trim()}'`)
    return value
  })
}

export interface Annotation {
  readonly level: 'error' | 'warning' | 'notice'
  readonly message: string
  readonly properties: Readonly<Record<string, string>>
}

export interface ResultJson {
  setup: string
  namespace: string
  release: string
  plan: string
  chart: string
  version: string
  operation: string | null
  status: string
  revision: number | null
  durationMs: number
  error: string | null
  notes: string[]
  /** The wave of the plan's setup, 1-based. */
  wave?: number | null
}

export interface StepRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly durationMs: number
  /** With cancelWhen: how long the process took to exit after SIGINT. */
  readonly exitAfterSignalMs?: number
}

export interface ActionRun extends StepRun {
  readonly outputs: Readonly<Record<string, string>>
  readonly summary: string
  readonly state: Readonly<Record<string, string>>
  readonly annotations: readonly Annotation[]
  /** The `results` output, parsed ([] when the output is missing). */
  readonly results: readonly ResultJson[]
  /** The post step, when it ran. */
  readonly post?: StepRun
  /** Values the action registered with ::add-mask:: (for leak checks). */
  readonly masked: readonly string[]
  /** stdout without ::add-mask:: lines: what the runner would show, before its own masking. */
  readonly log: string
  /** Folders the run used. */
  readonly runnerTemp: string
  readonly toolCache: string
}

export interface ActionOptions {
  readonly workspace: string
  readonly eventName: string
  readonly event: unknown
  /** Input names as in action.yml (`helm-version`); become INPUT_HELM-VERSION. */
  readonly inputs?: Readonly<Record<string, string>>
  /** Extra environment (e.g. NODE_EXTRA_CA_CERTS, SSL_CERT_FILE). */
  readonly env?: Readonly<Record<string, string>>
  readonly runnerTemp?: string
  readonly toolCache?: string
  /** Run the post step after the main one when action.yml's `post-if` says so (default true). */
  readonly post?: boolean
  readonly timeoutMs?: number
  /** Called between the main and the post step (e.g. to look at the kubeconfig folder). */
  readonly beforePost?: (state: Readonly<Record<string, string>>) => void
  /** Cancel like the runner: SIGINT when stdout matches, SIGTERM 7.5 s later if still running. */
  readonly cancelWhen?: RegExp
  /** The same, when this settles (e.g. once a fault server saw a request). */
  readonly cancelOn?: Promise<unknown>
}

/** The runner's file-command format: `name<<delimiter\nvalue\ndelimiter` (or `name=value`). */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc?.[1] && heredoc[2]) {
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i] ?? '')
      out[heredoc[1]] = value.join('\n')
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
    }
  }
  return out
}

const unescapeData = (s: string): string =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')

/** The annotations (`::error file=x,line=3,title=t::message`) a runner would make of a log. */
export function parseAnnotations(stdout: string): Annotation[] {
  return workflowCommands(stdout)
    .filter((c) => c.command === 'error' || c.command === 'warning' || c.command === 'notice')
    .map((c) => ({
      level: c.command as Annotation['level'],
      message: c.data,
      properties: c.properties
    }))
}

function runnerEnv(
  options: ActionOptions,
  files: Record<string, string>,
  runnerTemp: string,
  toolCache: string
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_REPOSITORY: 'octo-org/ops',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_RUN_ID: '1001',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_WORKFLOW_REF: 'octo-org/ops/.github/workflows/deploy.yml@refs/heads/main',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTION: 'gitops',
    // Nothing listens there: the API calls fail fast and the action falls back (no github.com in tests).
    GITHUB_API_URL: 'http://127.0.0.1:9',
    GITHUB_SERVER_URL: 'http://127.0.0.1:9',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64'
  }
  // As the runner does: every input with action.yml's default unless the step gives it.
  for (const [name, value] of [...actionDefaults(), ...Object.entries(options.inputs ?? {})]) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  return { ...env, ...options.env }
}

function runNode(
  script: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeoutMs: number,
  cancelWhen?: RegExp,
  cancelOn?: Promise<unknown>
): Promise<StepRun> {
  const started = performance.now()
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let cancelling = false
    let signalledAt: number | undefined
    const timers: NodeJS.Timeout[] = [setTimeout(() => child.kill('SIGKILL'), timeoutMs)]
    let exited = false
    const cancel = (): void => {
      if (cancelling || exited) return
      cancelling = true
      signalledAt = performance.now()
      child.kill('SIGINT')
      timers.push(setTimeout(() => child.kill('SIGTERM'), 7_500))
    }
    void cancelOn?.then(cancel, cancel)
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
      if (cancelWhen?.test(stdout)) cancel()
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      exited = true
      for (const t of timers) clearTimeout(t)
      const now = performance.now()
      resolvePromise({
        code,
        signal,
        stdout,
        stderr,
        durationMs: Math.round(now - started),
        ...(signalledAt === undefined ? {} : { exitAfterSignalMs: Math.round(now - signalledAt) })
      })
    })
  })
}

/** Runs the main step (and the post step) and collects what the runner would. */
export async function runAction(options: ActionOptions): Promise<ActionRun> {
  if (!existsSync(distIndex))
    throw new Error(`${distIndex} is missing: run \`npm run build\` first`)
  const home = mkdtempSync(join(tmpdir(), 'gitops-runner-'))
  const runnerTemp = options.runnerTemp ?? join(home, 'temp')
  const toolCache = options.toolCache ?? join(home, 'tool-cache')
  mkdirSync(runnerTemp, { recursive: true })
  mkdirSync(toolCache, { recursive: true })
  const files = {
    event: join(home, 'event.json'),
    output: join(home, 'output'),
    summary: join(home, 'summary.md'),
    state: join(home, 'state'),
    env: join(home, 'env'),
    path: join(home, 'path')
  }
  writeFileSync(files.event, JSON.stringify(options.event))
  for (const f of [files.output, files.summary, files.state, files.env, files.path])
    writeFileSync(f, '')
  const env = runnerEnv(options, files, runnerTemp, toolCache)
  const timeoutMs = options.timeoutMs ?? 150_000
  const main = await runNode(
    distIndex,
    env,
    options.workspace,
    timeoutMs,
    options.cancelWhen,
    options.cancelOn
  )
  const state = parseFileCommands(readFileSync(files.state, 'utf8'))

  options.beforePost?.(state)
  let post: StepRun | undefined
  const cancelled = main.exitAfterSignalMs !== undefined
  if (options.post !== false && postRuns({ failed: main.code !== 0, cancelled })) {
    // The runner hands the main step's saved state to the post step as STATE_<name>.
    const postEnv: NodeJS.ProcessEnv = { ...env }
    for (const [name, value] of Object.entries(state)) postEnv[`STATE_${name}`] = value
    post = await runNode(distPost, postEnv, options.workspace, 30_000)
  }
  const outputs = parseFileCommands(readFileSync(files.output, 'utf8'))
  const masked = main.stdout
    .split('\n')
    .filter((l) => l.startsWith('::add-mask::'))
    .map((l) => unescapeData(l.slice('::add-mask::'.length)))
  return {
    ...main,
    outputs,
    summary: readFileSync(files.summary, 'utf8'),
    state,
    annotations: parseAnnotations(main.stdout),
    results: outputs.results ? (JSON.parse(outputs.results) as ResultJson[]) : [],
    ...(post ? { post } : {}),
    masked,
    log: main.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
    runnerTemp,
    toolCache
  }
}
