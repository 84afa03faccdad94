// `npm run bench`: the action against a bare helm loop and helmfile sync on the
// test bed, same clusters, same releases, interleaved rounds. See bench/README.md.
//
//   npm run bench                                  4×5 then 2×40, 5 rounds, results in bench/results/
//   npm run bench -- --sizes 2x40 --rounds 3
//   npm run bench -- --setups 1 --plans 1 --rounds 1 --out /tmp/x --helmfile auto
//
// Options: --sizes SxP[,SxP...] (setups × plans; one result file each), or --setups N --plans N
//          --rounds N (≥ 1)  --out DIR (where the JSON goes)
//          --work DIR (scratch; default bench/work/<stamp>)
//          --helmfile build|auto|skip  (build: build it if missing; auto: use it if built)
//          --rtt MS[,MS...] (round trips the latency proxies add in front of each API server; default 0,40)
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { testbed } from '../__tests__/support/testbed.ts'
import { clean, verifyPhase, type Clusters } from './cluster.ts'
import { benchContext, type BenchContext } from './context.ts'
import { proxyCertificate, startLatencyProxy, type LatencyProxy } from './latency-proxy.ts'
import { overheadProbe, theAction, writeStore, type OverheadRun } from './contenders/action.ts'
import { bareLoop } from './contenders/bare.ts'
import { freshHelmHome, type Contender } from './contenders/contender.ts'
import { helmfileSync } from './contenders/helmfile.ts'
import { coldStart, distDrift, gitRevision, loadNow, machine, planning } from './figures.ts'
import { childrenCpuMs } from './measure.ts'
import {
  checkout,
  COMMIT_OF,
  generateOpsRepo,
  PHASES,
  setupName,
  type OpsRepo,
  type Phase
} from './ops-repo.ts'
import { printReport, toResult, type Measurements, type PhaseSample } from './report.ts'

const root = resolve(import.meta.dirname, '..')

const HELMFILE_VERSION = process.env.HELMFILE_VERSION ?? 'v1.8.0'

interface Size {
  readonly setups: number
  readonly plans: number
}

interface Options {
  sizes: Size[]
  rtts: number[]
  rounds: number
  out: string
  work: string
  helmfile: 'build' | 'auto' | 'skip'
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '4x5,2x40' },
      setups: { type: 'string' },
      plans: { type: 'string' },
      rounds: { type: 'string', default: '5' },
      rtt: { type: 'string', default: '0,40' },
      out: { type: 'string', default: join(root, 'bench', 'results') },
      work: { type: 'string' },
      helmfile: { type: 'string', default: 'build' }
    }
  })
  const count = (name: string, text: string): number => {
    const n = Number(text)
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`bench: --${name} must be a whole number ≥ 1, not "${text}"`)
    return n
  }
  const helmfile = values.helmfile
  if (helmfile !== 'build' && helmfile !== 'auto' && helmfile !== 'skip') {
    throw new Error(`bench: --helmfile must be build, auto or skip, not "${helmfile}"`)
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const sizes =
    values.setups !== undefined || values.plans !== undefined
      ? [
          {
            setups: count('setups', values.setups ?? '4'),
            plans: count('plans', values.plans ?? '5')
          }
        ]
      : values.sizes.split(',').map((size) => {
          const match = /^(\d+)x(\d+)$/.exec(size.trim())
          if (!match)
            throw new Error(`bench: --sizes takes SxP[,SxP...] (e.g. 4x5,2x40), not "${size}"`)
          return { setups: count('sizes', match[1]!), plans: count('sizes', match[2]!) }
        })
  const rtts = values.rtt.split(',').map((text) => {
    const ms = Number(text.trim())
    if (!Number.isInteger(ms) || ms < 0 || ms > 1000)
      throw new Error(
        `bench: --rtt takes round trips in ms from 0 to 1000 (e.g. 0,40), not "${text}"`
      )
    return ms
  })
  return {
    sizes,
    rtts,
    rounds: count('rounds', values.rounds),
    out: resolve(values.out),
    work: resolve(values.work ?? join(root, 'bench', 'work', stamp)),
    helmfile
  }
}

function log(line: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`)
}

/** The helmfile binary (built if asked), or why there is none. */
function helmfileBinary(mode: Options['helmfile']): { path?: string; missing?: string } {
  const built = join(
    process.env.TESTBED_CACHE ?? join(root, '.cache'),
    'helmfile',
    HELMFILE_VERSION,
    'helmfile'
  )
  if (mode === 'skip') return { missing: 'skipped (--helmfile skip)' }
  if (existsSync(join(dirname(built), '.built'))) return { path: built }
  if (mode === 'auto') {
    return {
      missing: `SKIPPED, not built (${built}); build it with \`bash bench/build-helmfile.sh\` (30+ minutes the first time) or run \`npm run bench\`, which builds it`
    }
  }
  log(
    `helmfile: not built yet, building ${HELMFILE_VERSION} into ${dirname(built)} (bench/build-helmfile.sh; 30+ minutes the first time, progress below)`
  )
  const r = spawnSync('bash', [join(root, 'bench', 'build-helmfile.sh')], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  if (r.status !== 0)
    return {
      missing: `UNAVAILABLE, bench/build-helmfile.sh could not build helmfile ${HELMFILE_VERSION} here (see above)`
    }
  return { path: built }
}

function bringUpTestbed(): void {
  const r = spawnSync(process.execPath, [join(root, 'test', 'bed', 'up.mjs')], { stdio: 'inherit' })
  if (r.status !== 0)
    throw new Error('bench: the test bed did not come up (`npm run testbed:up`; see above)')
}

/** Runs every phase with one contender and checks the clusters after each; returns what each took. */
async function measureRound(
  contender: Contender,
  repo: OpsRepo,
  clusters: Clusters,
  peaks: Map<string, number>,
  proxies: readonly LatencyProxy[]
): Promise<Record<Phase, PhaseSample>> {
  const samples = {} as Record<Phase, PhaseSample>
  for (const phase of PHASES) {
    checkout(repo, repo.commits[COMMIT_OF[phase]])
    // Nothing else of this process runs a child meanwhile: the difference is the contender's tree.
    const cpuBefore = childrenCpuMs()
    for (const proxy of proxies) proxy.reset()
    const run = await contender.run(phase)
    const counts = proxies.map((proxy) => proxy.counts())
    samples[phase] = {
      ms: run.ms,
      cpuMs: childrenCpuMs() - cpuBefore,
      helmProcesses: run.helmProcesses,
      ownCpuMs: run.ownCpuMs,
      api: {
        requests: counts.reduce((n, c) => n + c.requests, 0),
        peakInFlight: counts.reduce((n, c) => n + c.peakInFlight, 0)
      }
    }
    if (run.peakRssKb)
      peaks.set(contender.name, Math.max(peaks.get(contender.name) ?? 0, run.peakRssKb))
    await verifyPhase(clusters, repo.releases, phase, contender)
  }
  await clean(clusters, repo.releases)
  return samples
}

async function main(): Promise<void> {
  const opts = options()
  const started = performance.now()
  const { path: helmfile, missing: helmfileMissing } = helmfileBinary(opts.helmfile)
  if (helmfileMissing) log(`helmfile: ${helmfileMissing}`)
  bringUpTestbed()
  const bed = testbed()
  const stale = await distDrift(root)
  if (stale) log(`WARNING: ${stale}`)
  const certificate = proxyCertificate(join(opts.work, 'proxy'))
  for (const size of opts.sizes)
    for (const rttMs of opts.rtts) {
      const loads = [loadNow()]
      const work = join(opts.work, `${size.setups}x${size.plans}-rtt${rttMs}`)
      mkdirSync(work, { recursive: true })
      // Every contender reaches the API servers through the proxies, at 0 ms too: the requests are counted alike.
      const proxies = await Promise.all(
        bed.kubeconfigs.map((kubeconfig, i) =>
          startLatencyProxy({
            kubeconfig,
            out: join(work, `proxied-${i}.kubeconfig`),
            oneWayMs: rttMs / 2,
            certificate
          })
        )
      )
      const context = benchContext(
        bed,
        work,
        proxies.map((p) => p.kubeconfig)
      )
      let measured
      try {
        measured = await measureSize(size, opts.rounds, context, helmfile, loads, proxies)
      } finally {
        await Promise.all(proxies.map((p) => p.close()))
      }
      const result = toResult({
        ...measured,
        rttMs,
        machine: machine(loads),
        versions: {
          action: gitRevision(root),
          helm: bed.helm4Version,
          helmfile: helmfile ? HELMFILE_VERSION : null,
          kubernetes: bed.kubeVersion || null,
          node: process.version
        },
        notes: notes(helmfileMissing, loads[0] ?? loadNow(), stale)
      })
      mkdirSync(opts.out, { recursive: true })
      const file = resultFile(
        opts.out,
        `${result.date.slice(0, 10)}-${size.setups}x${size.plans}-rtt${rttMs}`
      )
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
      printReport(result)
      log(`written ${file}`)
    }
  log(`done in ${fmt(performance.now() - started)}`)
  if (!process.env.BENCH_KEEP_WORK) rmSync(opts.work, { recursive: true, force: true })
}

/** Every contender on an ops repository of one size, in interleaved rounds, and the figures beside. */
async function measureSize(
  size: Size,
  rounds: number,
  context: BenchContext,
  helmfile: string | undefined,
  /** Gets the load average after each contender's round. */
  loads: number[],
  proxies: readonly LatencyProxy[]
): Promise<Omit<Measurements, 'machine' | 'versions' | 'notes' | 'rttMs'>> {
  const clusters: Clusters = {
    helm: context.helm,
    kubeconfigs: context.kubeconfigs,
    env: { ...context.env, ...freshHelmHome(context.work) }
  }
  log(
    `ops repository: ${size.setups} setups × ${size.plans} plans over ${context.kubeconfigs.length} clusters (work: ${context.work})`
  )
  const repo = generateOpsRepo({
    dir: join(context.work, 'ops'),
    setups: size.setups,
    plans: size.plans,
    clusters: context.kubeconfigs.length
  })
  writeStore(context, repo)
  const actionSetup = { context, repo, toolCache: join(context.work, 'tool-cache') }
  const contenders: Contender[] = [bareLoop(context, repo)]
  if (helmfile) contenders.push(helmfileSync(context, repo, helmfile))
  contenders.push(theAction(actionSetup))
  const probe = overheadProbe(actionSetup, setupName(0))
  const probeContender = { name: 'the action on one setup', resyncUpgrades: false }

  await clean(clusters, repo.releases)
  const perPhase = <T>(): Record<Phase, T[]> => ({ install: [], upgrade: [], noop: [] })
  const samples = new Map(contenders.map((c) => [c.name, perPhase<PhaseSample>()]))
  const overhead = perPhase<OverheadRun>()
  const peaks = new Map<string, number>()

  // Round 0 warms up (namespaces, the tool cache, page cache) and is not counted.
  for (let round = 0; round <= rounds; round++) {
    const counted = round > 0
    // Rotate the order each round so no contender always runs first or last.
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!)
    for (const contender of order) {
      const got = await measureRound(contender, repo, clusters, peaks, proxies)
      loads.push(loadNow())
      log(
        `round ${round}${counted ? '' : ' (warm-up)'} ${contender.name.padEnd(8)} ${PHASES.map((p) => `${p} ${fmt(got[p].ms)} (CPU ${fmt(got[p].cpuMs)})`).join('  ')}  load ${loads.at(-1)}`
      )
      if (counted) for (const phase of PHASES) samples.get(contender.name)![phase].push(got[phase])
    }
    for (const phase of PHASES) {
      checkout(repo, repo.commits[COMMIT_OF[phase]])
      const run = await probe.run(phase)
      await verifyPhase(clusters, probe.releases, phase, probeContender)
      if (counted) overhead[phase].push(run)
      log(
        `round ${round} overhead ${phase}: wall ${fmt(run.wallMs)} (post ${fmt(run.postMs)}), helm ${fmt(run.helm.ms)} in ${run.helm.count} calls ${JSON.stringify(run.helm.by)}, git ${fmt(run.git.ms)} in ${run.git.count} → ${fmt(run.overheadMsPerPlan)} a plan`
      )
    }
    await clean(clusters, probe.releases)
  }

  log('cold start of dist/index.js')
  const cold = await coldStart(repo.dir, Math.max(5, rounds))
  log('planning a 5,000-file push (bench/planning.ts)')
  const planned = await planning()
  return { ...size, rounds, samples, overhead, peaks, cold, planning: planned }
}

function notes(
  helmfileMissing: string | undefined,
  /** Before any contender of this size ran: the contenders' own load (their helm processes, the clusters) is not other work. */
  startLoad: number,
  stale: string | undefined
): string[] {
  const out: string[] = []
  if (stale) out.push(stale)
  if (helmfileMissing)
    out.push(`helmfile was not run (${helmfileMissing.split(' (')[0]}): its figures are null`)
  const cores = availableParallelism()
  if (startLoad > cores)
    out.push(
      `the machine was busy before this size started (load average ${startLoad} on ${cores} cores): other work may have competed for the CPUs`
    )
  return out
}

/** `<date>-<S>x<P>.json`, or `…-2.json`, `…-3.json` for later runs of the day: a result is never overwritten. */
function resultFile(dir: string, stem: string): string {
  for (let n = 1; ; n++) {
    const file = join(dir, `${stem}${n === 1 ? '' : `-${n}`}.json`)
    if (!existsSync(file)) return file
  }
}

function fmt(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
})
