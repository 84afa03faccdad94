import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runAction, type ActionRun } from '../__tests__/support/action-runner.ts'
import { pushPayload } from '../__tests__/support/events.ts'
import { childrenCpuMs } from './measure.ts'
import { git, write } from './git-files.ts'

// A fleet's planning job on a generated ops repository of 300 setups × 20 plans
// (6,000 plan files, a local chart): `mode: plan` against the planning job a matrix
// workflow ran before it, `dry-run: true`, which renders every affected plan with
// `helm template`. Both run the built action (dist/) as the runner does, on the same
// pushes. Figures, not a test:
//   npm run build && node bench/fleet-plan.ts            (the dry run of the every-plan push too: --full)
// helm comes from HELM_BIN, else the test bed's cache, else PATH.

const SETUPS = Number(process.env.BENCH_SETUPS ?? 300)
const NAMESPACES = 2
/** Per namespace. */
const PLANS = 10
const PLAN_RUNS = 3

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

interface Repository {
  readonly dir: string
  readonly base: string
  /** One plan changed in every setup: 300 plans. */
  readonly onePerSetup: string
  /** A values file every plan uses changed: 6,000 plans. */
  readonly everyPlan: string
}

const setupOf = (s: number): string => `region-${s % 10}/cluster-${s}`

function generate(): Repository {
  const dir = mkdtempSync(join(tmpdir(), 'gitops-fleet-bench-'))
  git(dir, 'init', '-q', '-b', 'main')
  write(dir, 'charts/app/Chart.yaml', 'apiVersion: v2\nname: app\nversion: 1.0.0\n')
  write(
    dir,
    'charts/app/templates/configmap.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  tier: {{ .Values.tier | quote }}\n  replicas: {{ .Values.replicas | quote }}\n'
  )
  write(dir, 'common/values.yaml', 'tier: gold\n')
  const plan = (replicas: number) =>
    `chart: ./charts/app\nvalues:\n  - common/values.yaml\nset:\n  replicas: ${replicas}\n`
  for (let s = 0; s < SETUPS; s++)
    for (let n = 0; n < NAMESPACES; n++)
      for (let p = 0; p < PLANS; p++) write(dir, `${setupOf(s)}/ns-${n}/app-${p}.yaml`, plan(1))
  const commit = (message: string): string => {
    git(dir, 'add', '-A')
    git(dir, 'commit', '-q', '-m', message)
    return git(dir, 'rev-parse', 'HEAD')
  }
  const base = commit('base')
  for (let s = 0; s < SETUPS; s++) write(dir, `${setupOf(s)}/ns-0/app-0.yaml`, plan(2))
  const onePerSetup = commit('one plan in every setup')
  write(dir, 'common/values.yaml', 'tier: platinum\n')
  const everyPlan = commit('the common values')
  return { dir, base, onePerSetup, everyPlan }
}

function helmDir(): string {
  const candidates = [
    process.env.HELM_BIN ? dirname(process.env.HELM_BIN) : undefined,
    join(root, '.cache/helm/v4.3.1/linux-amd64'),
    '/work/main/.cache/helm/v4.3.1/linux-amd64'
  ]
  const found = candidates.find((d) => d !== undefined && existsSync(join(d, 'helm')))
  if (!found)
    throw new Error('no helm: set HELM_BIN, or build the test bed (npm run testbed:build)')
  return found
}

interface Figure {
  readonly ms: number
  readonly cpuMs: number
  readonly run: ActionRun
}

async function once(
  repo: Repository,
  before: string,
  after: string,
  inputs: Record<string, string>
): Promise<Figure> {
  git(repo.dir, 'checkout', '-q', after)
  const cpu = childrenCpuMs()
  const run = await runAction({
    workspace: repo.dir,
    eventName: 'push',
    event: pushPayload({ before, after }),
    inputs: { 'helm-version': 'system', ...inputs },
    env: { PATH: `${helmDir()}:${process.env.PATH ?? ''}`, GITHUB_SHA: after },
    post: false,
    timeoutMs: 60 * 60_000
  })
  const failed = run.results.find((r) => r.status === 'failed')
  if (run.code !== 0 || failed)
    throw new Error(
      `bench: the action failed (${run.code}): ${failed?.error ?? run.stdout.slice(-2000)}`
    )
  return { ms: run.durationMs, cpuMs: childrenCpuMs() - cpu, run }
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

async function planFigures(repo: Repository, after: string) {
  const runs: Figure[] = []
  for (let i = 0; i < PLAN_RUNS; i++)
    runs.push(await once(repo, repo.base, after, { mode: 'plan', 'shard-size': '10' }))
  const last = runs.at(-1) as Figure
  const shards = JSON.parse(last.run.outputs.shards ?? '[]') as {
    matrix: { include: unknown[] }
  }[]
  return {
    ms: median(runs.map((r) => r.ms)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
    setups: (JSON.parse(last.run.outputs.setups ?? '[]') as unknown[]).length,
    shardJobs: shards.reduce((n, w) => n + w.matrix.include.length, 0),
    shardsBytes: (last.run.outputs.shards ?? '').length
  }
}

async function dryRunFigures(repo: Repository, after: string) {
  const figure = await once(repo, repo.base, after, { 'dry-run': 'true' })
  return {
    ms: figure.ms,
    cpuMs: figure.cpuMs,
    plans: figure.run.results.length,
    rendered: figure.run.results.filter((r) => r.operation === 'render').length,
    resultsBytes: (figure.run.outputs.results ?? '').length
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const full = process.argv.includes('--full')
  const repo = generate()
  try {
    const files = git(repo.dir, 'ls-files').split('\n').length
    console.log(
      `fleet planning: ${SETUPS} setups × ${NAMESPACES * PLANS} plans (${files} files), dist/ of ${root}`
    )
    for (const [name, after, dryRun] of [
      [`one plan in every setup (${SETUPS} plans)`, repo.onePerSetup, true],
      [`the values file of every plan (${SETUPS * NAMESPACES * PLANS} plans)`, repo.everyPlan, full]
    ] as const) {
      const plan = await planFigures(repo, after)
      console.log(
        `  ${name}: mode: plan ${seconds(plan.ms)} wall, ${seconds(plan.cpuMs)} CPU (median of ${PLAN_RUNS}); ` +
          `${plan.setups} setups → ${plan.shardJobs} shard jobs at shard-size 10 (shards output ${plan.shardsBytes} bytes)`
      )
      if (!dryRun) {
        console.log('    dry-run planning job: not run (--full runs it; it renders every plan)')
        continue
      }
      const dry = await dryRunFigures(repo, after)
      console.log(
        `    dry-run planning job: ${seconds(dry.ms)} wall, ${seconds(dry.cpuMs)} CPU; ${dry.rendered} of ${dry.plans} plans rendered (results output ${dry.resultsBytes} bytes); ` +
          `mode: plan is ${(dry.ms / plan.ms).toFixed(0)}× faster in wall time, ${(dry.cpuMs / plan.cpuMs).toFixed(0)}× in CPU`
      )
    }
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(repo.dir, { recursive: true, force: true })
  }
}
