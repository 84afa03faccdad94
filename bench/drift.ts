// `npm run bench:drift`: a drift check of every plan (a schedule event, nothing
// drifted) against what it cannot do without: `helm list` and `helm get manifest`
// of the same releases, as fast as helm alone gives them. Not part of `npm test`.
//
//   npm run bench:drift                              4 setups × 25 plans, 3 rounds
//   npm run bench:drift -- --setups 1 --plans 2 --rounds 1 --out /tmp/x
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { runAction } from '../__tests__/support/action-runner.ts'
import { mirrorUrl, testbed } from '../__tests__/support/testbed.ts'
import { clean, type Clusters } from './cluster.ts'
import { benchContext, type BenchContext } from './context.ts'
import { theAction, writeStore } from './contenders/action.ts'
import { freshHelmHome } from './contenders/contender.ts'
import { gitRevision, loadNow, machine } from './figures.ts'
import { timedOk } from './measure.ts'
import {
  checkout,
  generateOpsRepo,
  REPO_ALIAS,
  type BenchRelease,
  type OpsRepo
} from './ops-repo.ts'
import { summarize } from './stats.ts'

const root = resolve(import.meta.dirname, '..')
/** The action's defaults: setups at once, and plans of one setup at once. */
const PARALLEL = 4

function options() {
  const { values } = parseArgs({
    options: {
      setups: { type: 'string', default: '4' },
      plans: { type: 'string', default: '25' },
      rounds: { type: 'string', default: '3' },
      out: { type: 'string', default: join(root, 'bench', 'results') }
    }
  })
  const count = (name: string, text: string): number => {
    const n = Number(text)
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`bench: --${name} must be a whole number ≥ 1, not "${text}"`)
    return n
  }
  return {
    setups: count('setups', values.setups),
    plans: count('plans', values.plans),
    rounds: count('rounds', values.rounds),
    out: resolve(values.out)
  }
}

function log(line: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`)
}

/** The drift check as the runner runs it; every plan must come back in sync. */
async function driftCheck(
  context: BenchContext,
  repo: OpsRepo,
  toolCache: string
): Promise<number> {
  const sha = repo.commits.install
  const run = await runAction({
    workspace: repo.dir,
    eventName: 'schedule',
    event: {
      schedule: '*/30 * * * *',
      repository: { full_name: 'octo-org/ops', name: 'ops', owner: { login: 'octo-org' } }
    },
    toolCache,
    inputs: {
      'github-token': 'bench-token',
      'kubeconfig-store-url': `file://${join(context.work, 'store')}`,
      'helm-version': context.bed.helm4Version,
      'helm-download-url': mirrorUrl(context.bed.helmMirror),
      'helm-repositories': `${REPO_ALIAS} ${context.chartRepo}`
    },
    env: {
      ...(Object.fromEntries(
        Object.entries(context.env).filter((e) => e[1] !== undefined)
      ) as Record<string, string>),
      ...freshHelmHome(context.work),
      NODE_EXTRA_CA_CERTS: context.bed.ca,
      GITHUB_SHA: sha,
      GITHUB_REF: 'refs/heads/main'
    },
    timeoutMs: 600_000
  })
  const off = run.results.filter(
    (r) => (r as { drift?: { state: string } }).drift?.state !== 'in-sync'
  )
  if (run.code !== 0 || off.length > 0 || run.results.length !== repo.releases.length)
    throw new Error(
      `bench: the drift check did not find every release in sync (exit ${run.code}, ${off.length} off, ${run.results.length} results):\n${run.log.split('\n').slice(-30).join('\n')}`
    )
  return run.durationMs + (run.post?.durationMs ?? 0)
}

/** helm alone: per setup `helm list`, then `helm get manifest` of each release, as parallel as the action. */
async function helmAlone(clusters: Clusters, releases: readonly BenchRelease[]): Promise<number> {
  const started = performance.now()
  const bySetup = Map.groupBy(releases, (r) => r.setup)
  await pool([...bySetup.values()], PARALLEL, async (group) => {
    const first = group[0]!
    const kubeconfig = clusters.kubeconfigs[first.cluster]!
    await timedOk(
      `helm list -n ${first.namespace}`,
      clusters.helm,
      ['list', '--namespace', first.namespace, '--output', 'json', '--kubeconfig', kubeconfig],
      { env: clusters.env }
    )
    await pool(group, PARALLEL, (r) =>
      timedOk(
        `helm get manifest ${r.release}`,
        clusters.helm,
        ['get', 'manifest', r.release, '--namespace', r.namespace, '--kubeconfig', kubeconfig],
        { env: clusters.env }
      )
    )
  })
  return performance.now() - started
}

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>) {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T)
    })
  )
}

async function main(): Promise<void> {
  const opts = options()
  const loadAtStart = loadNow()
  const work = join(root, 'bench', 'work', `drift-${Date.now()}`)
  const context = benchContext(testbed(), work)
  const clusters: Clusters = {
    helm: context.helm,
    kubeconfigs: context.kubeconfigs,
    env: { ...context.env, ...freshHelmHome(context.work) }
  }
  const repo = generateOpsRepo({
    dir: join(work, 'ops'),
    setups: opts.setups,
    plans: opts.plans,
    clusters: context.kubeconfigs.length
  })
  writeStore(context, repo)
  const toolCache = join(work, 'tool-cache')
  log(`deploying ${repo.releases.length} releases (${opts.setups} setups × ${opts.plans} plans)`)
  await clean(clusters, repo.releases)
  checkout(repo, repo.commits.install)
  await theAction({ context, repo, toolCache }).run('install')

  const action: number[] = []
  const helm: number[] = []
  // Round 0 warms up (tool cache, page cache) and is not counted; the order alternates.
  for (let round = 0; round <= opts.rounds; round++) {
    const first = round % 2 === 0
    const a = first ? await driftCheck(context, repo, toolCache) : undefined
    const h = await helmAlone(clusters, repo.releases)
    const a2 = a ?? (await driftCheck(context, repo, toolCache))
    log(
      `round ${round}${round === 0 ? ' (warm-up)' : ''}: drift check ${Math.round(a2)} ms, helm list + get manifest ${Math.round(h)} ms`
    )
    if (round > 0) {
      action.push(a2)
      helm.push(h)
    }
  }
  await clean(clusters, repo.releases)

  const driftCheckMs = summarize(action)
  const helmAloneMs = summarize(helm)
  const result = {
    date: new Date().toISOString(),
    setups: opts.setups,
    plans: opts.plans,
    rounds: opts.rounds,
    driftCheckMs,
    helmAloneMs,
    ratio: Number((driftCheckMs.median_ms / helmAloneMs.median_ms).toFixed(2)),
    target: 'drift check under 2× helm list + helm get manifest',
    machine: machine([loadAtStart]),
    versions: { action: gitRevision(root), helm: context.bed.helm4Version, node: process.version }
  }
  mkdirSync(opts.out, { recursive: true })
  let file = join(opts.out, `${result.date.slice(0, 10)}-drift.json`)
  for (let n = 2; existsSync(file); n++)
    file = join(opts.out, `${result.date.slice(0, 10)}-drift-${n}.json`)
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  log(
    `drift check median ${driftCheckMs.median_ms} ms, helm alone median ${helmAloneMs.median_ms} ms: ${result.ratio}× (target < 2×); written ${file}`
  )
  rmSync(work, { recursive: true, force: true })
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
})
