import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { detectChanges } from '../src/changes/detect.ts'
import { createApi } from '../src/github/api.ts'
import type { PushEvent } from '../src/github/event.ts'
import { openCheckout } from '../src/plan/checkout.ts'
import { planDeployment } from '../src/plan/planner.ts'
import type { Config } from '../src/types/config.ts'
import type { DeploymentPlan } from '../src/types/plan.ts'
import { testConfig } from '../__tests__/support/config.ts'
import { childrenCpuMs } from './measure.ts'
import { git, write } from './git-files.ts'

// The event → plan half on a generated ops repository: a push that changes 5,000
// files across 200 setups (plans modified and removed, values files shared by many
// plans), timed from `git diff` to the finished plan. Target: under 0.5 s.
// Run: node bench/planning.ts

const SETUPS = 200
const NAMESPACES = 2
/** Per namespace; one plan per setup is removed by the push. */
const PLANS = 12
const RUNS = 5

interface Repository {
  readonly dir: string
  readonly base: string
  readonly head: string
  readonly changed: number
}

/** Two commits; the second changes every plan and values file of every setup. */
function generate(): Repository {
  const dir = mkdtempSync(join(tmpdir(), 'gitops-bench-'))
  git(dir, 'init', '-q', '-b', 'main')
  write(dir, 'hooks/notify.sh', 'echo done\n')
  const commitAll = (message: string): string => {
    git(dir, 'add', '-A')
    git(dir, 'commit', '-q', '-m', message)
    return git(dir, 'rev-parse', 'HEAD')
  }
  const setupOf = (s: number): string => `region-${s % 10}/cluster-${s}`
  const tree = (version: string, removeOne: boolean): void => {
    for (let s = 0; s < SETUPS; s++) {
      const setup = setupOf(s)
      write(dir, `${setup}/values.yaml`, `replicas: ${version.length}\nversion: "${version}"\n`)
      for (let n = 0; n < NAMESPACES; n++) {
        for (let p = 0; p < PLANS; p++) {
          const path = `${setup}/ns-${n}/app-${p}.yaml`
          if (removeOne && n === 0 && p === 0) {
            rmSync(join(dir, path), { force: true })
            continue
          }
          write(
            dir,
            path,
            `# ${path}\nchart: stable/app-${p}\nversion: ${version}\nvalues:\n  - ${setup}/values.yaml\nhooks:\n  post-upgrade: [hooks/notify.sh]\n`
          )
        }
      }
    }
  }
  tree('1.0.0', false)
  const base = commitAll('base')
  tree('1.0.1', true)
  const head = commitAll('head')
  const changed = git(dir, 'diff', '--name-only', base, head).split('\n').length
  return { dir, base, head, changed }
}

function config(workspace: string): Config {
  return testConfig({
    helmRepositories: [{ name: 'stable', url: 'https://charts.example.com' }],
    workspace
  })
}

export interface Timing {
  readonly ms: number
  /** CPU time (user + system) of this process and its git children: what the code costs, whatever else the machine runs. */
  readonly cpuMs: number
}

async function planOnce(repo: Repository): Promise<Timing & { plan: DeploymentPlan }> {
  const event: PushEvent = {
    name: 'push',
    sha: repo.head,
    ref: 'refs/heads/main',
    repository: { owner: 'bench', repo: 'ops' },
    workflow: { file: undefined, runId: undefined, runNumber: undefined, runUrl: undefined },
    payload: {},
    before: repo.base,
    after: repo.head,
    created: false,
    deleted: false,
    forced: false,
    commits: []
  }
  const scope = { kind: 'diff', base: repo.base, head: repo.head, baseReason: 'bench' } as const
  const started = performance.now()
  const cpu = process.cpuUsage()
  const childrenCpu = childrenCpuMs()
  const changes = await detectChanges(scope, event, repo.dir, createApi('', event))
  const plan = await planDeployment({
    config: config(repo.dir),
    scope,
    changes,
    openCheckout: () => openCheckout(repo.dir, repo.head),
    sha: repo.head,
    runKind: { kind: 'deploy' }
  })
  const used = process.cpuUsage(cpu)
  return {
    ms: performance.now() - started,
    cpuMs: (used.user + used.system) / 1000 + childrenCpuMs() - childrenCpu,
    plan
  }
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

/** Median wall and CPU milliseconds of RUNS plans after one unmeasured run. */
export async function measure(): Promise<Timing & { minMs: number }> {
  const repo = generate()
  try {
    const { plan } = await planOnce(repo)
    const steps = plan.setups.reduce((n, s) => n + s.steps.length, 0)
    const expected = SETUPS * NAMESPACES * PLANS
    if (plan.setups.length !== SETUPS || steps !== expected || plan.problems.length > 0) {
      throw new Error(
        `bench: the plan is wrong: ${plan.setups.length} setups, ${steps} steps (expected ${SETUPS}, ${expected}), ${plan.problems.length} problems`
      )
    }
    const runs: Timing[] = []
    for (let i = 0; i < RUNS; i++) runs.push(await planOnce(repo))
    const walls = runs.map((r) => r.ms)
    return { ms: median(walls), minMs: Math.min(...walls), cpuMs: median(runs.map((r) => r.cpuMs)) }
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(repo.dir, { recursive: true, force: true })
    else console.log(repo.dir, repo.base, repo.head)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { ms, minMs, cpuMs } = await measure()
  const verdict = ms < 500 ? 'under' : 'OVER'
  console.log(
    `planning: ${SETUPS} setups, a push of ${SETUPS * (NAMESPACES * PLANS + 1)} changed files → ${SETUPS * NAMESPACES * PLANS} steps: ` +
      `${Math.round(ms)} ms wall (median of ${RUNS}, min ${Math.round(minMs)}; ${verdict} the 0.5 s target), ${Math.round(cpuMs)} ms CPU (with git's)`
  )
}
