import type { OverheadRun } from './contenders/action.ts'
import type { ColdStart, Machine } from './figures.ts'
import { PHASES, type Phase } from './ops-repo.ts'
import { median, ratio, summarize, type Summary } from './stats.ts'

// The figures of one benchmark run: the JSON committed under bench/results/ and the table printed.

/** One contender's phase in one counted round. */
export interface PhaseSample {
  readonly ms: number
  /** User + system CPU of the contender's whole process tree. */
  readonly cpuMs: number
  /** helm processes started, where counted. */
  readonly helmProcesses?: number
  /** CPU of the contender's own processes (the action's node), where measured. */
  readonly ownCpuMs?: number
  /** Requests the API servers got from the contender (counted at the latency proxies), and the most in flight at once. */
  readonly api?: { readonly requests: number; readonly peakInFlight: number }
}

export interface Measurements {
  /** Round trip the latency proxies added in front of each API server. */
  readonly rttMs: number
  readonly setups: number
  readonly plans: number
  readonly rounds: number
  readonly samples: ReadonlyMap<string, Record<Phase, PhaseSample[]>>
  readonly overhead: Readonly<Record<Phase, readonly OverheadRun[]>>
  /** Peak RSS (KiB) of each contender's own process, where measured. */
  readonly peaks: ReadonlyMap<string, number>
  readonly cold: ColdStart
  readonly planning: { readonly ms: number; readonly cpuMs: number }
  readonly machine: Machine
  readonly versions: Readonly<Record<string, string | null>>
  readonly notes: readonly string[]
}

interface PhaseFigures extends Summary {
  readonly cpu: Summary
  /** helm processes started a plan (median over rounds), where counted. */
  readonly helm_processes_per_plan: number | null
  /** Median CPU of the contender's own processes, helm's excluded (the action's node), where measured. */
  readonly own_cpu_ms: number | null
  /** What the API servers saw (medians): requests a plan, requests a second, the most in flight at once. */
  readonly api: {
    readonly requests_per_plan: number
    readonly requests_per_second: number
    readonly peak_in_flight: number
  } | null
}

interface ContenderFigures extends Readonly<Record<Phase, PhaseFigures>> {
  /** install + upgrade push of the same round, wall and CPU. */
  readonly total: Summary
  readonly total_cpu: Summary
}

interface Target {
  /** null: not a target in this regime. */
  readonly target: number | null
  readonly unit: string
  readonly strict?: boolean
}

/**
 * The goals. Wall-time ratios are goals only where the API servers are across a network:
 * with both clusters on the benchmark's own 2 cores, helm is CPU-bound and running plans at
 * once cannot halve the bare loop's time (the bare loop already keeps a core busy).
 */
export function targetsAt(rttMs: number) {
  const remote = rttMs >= 40
  return {
    action_vs_bare: { target: remote ? 0.15 : null, unit: '×' },
    action_vs_helmfile: { target: remote ? 0.5 : null, unit: '×' },
    cpu_action_vs_helmfile: { target: 0.7, unit: '×' },
    noop_resync_ms_per_plan: { target: 50, unit: 'ms' },
    noop_resync_helm_deploys: { target: 0, unit: '' },
    overhead_ms_per_plan: { target: 100, unit: 'ms' },
    planning_5000_files_ms: { target: 500, unit: 'ms', strict: true }
  } as const satisfies Record<string, Target>
}

type TargetName = keyof ReturnType<typeof targetsAt>

type Ratios = Readonly<
  Record<
    'action_vs_bare' | 'action_vs_helmfile' | 'cpu_action_vs_bare' | 'cpu_action_vs_helmfile',
    number | null
  >
>

export interface BenchResult extends Ratios {
  readonly date: string
  /** Round trip added in front of each API server (0: the bed's loopback as it is). */
  readonly rtt_ms: number
  readonly machine: Machine
  readonly setups: number
  readonly plans: number
  readonly rounds: number
  readonly versions: Readonly<Record<string, string | null>>
  /** Median wall time of install push + upgrade push of each contender; `null` = not run. */
  readonly medians_ms: Readonly<Record<string, number | null>>
  /** The same in CPU time of each contender's process tree. */
  readonly cpu_medians_ms: Readonly<Record<string, number | null>>
  readonly contenders: Readonly<Record<string, ContenderFigures | null>>
  readonly ratios_by_phase: Readonly<Record<Phase, Ratios>>
  readonly helm_processes_per_plan: Readonly<Record<string, Readonly<Record<Phase, number | null>>>>
  readonly api_requests_per_plan: Readonly<Record<string, Readonly<Record<Phase, number | null>>>>
  readonly noop_resync_ms_per_plan: number
  readonly noop_resync_cpu_ms_per_plan: number
  readonly overhead_ms_per_plan: number
  readonly overhead: Readonly<Record<Phase, ReturnType<typeof overheadOf>>>
  readonly peak_rss_mb: Readonly<Record<string, number>>
  readonly cold_start_ms: number
  readonly node_startup_ms: number
  readonly planning_5000_files_ms: number
  /** The same in CPU (the action's and git's): the figure to compare on a busy machine. */
  readonly planning_5000_files_cpu_ms: number
  readonly targets: Readonly<
    Record<TargetName, { target: number | null; value: number | null; met: boolean | null }>
  >
  readonly notes: readonly string[]
}

function figures(samples: Record<Phase, PhaseSample[]>, releases: number): ContenderFigures {
  const phase = (p: Phase): PhaseFigures => {
    const counted = samples[p].flatMap((s) =>
      s.helmProcesses === undefined ? [] : [s.helmProcesses]
    )
    const own = samples[p].flatMap((s) => (s.ownCpuMs === undefined ? [] : [s.ownCpuMs]))
    const api = samples[p].flatMap((s) => (s.api ? [{ ...s.api, ms: s.ms }] : []))
    return {
      ...summarize(samples[p].map((s) => s.ms)),
      cpu: summarize(samples[p].map((s) => s.cpuMs)),
      helm_processes_per_plan: counted.length > 0 ? round2(median(counted) / releases) : null,
      own_cpu_ms: own.length > 0 ? Math.round(median(own)) : null,
      api:
        api.length > 0
          ? {
              requests_per_plan: round2(median(api.map((a) => a.requests)) / releases),
              requests_per_second: Math.round(median(api.map((a) => (a.requests * 1000) / a.ms))),
              peak_in_flight: median(api.map((a) => a.peakInFlight))
            }
          : null
    }
  }
  const total = (f: (s: PhaseSample) => number): Summary =>
    summarize(samples.install.map((s, i) => f(s) + f(samples.upgrade[i]!)))
  return {
    install: phase('install'),
    upgrade: phase('upgrade'),
    noop: phase('noop'),
    total: total((s) => s.ms),
    total_cpu: total((s) => s.cpuMs)
  }
}

function overheadOf(runs: readonly OverheadRun[], plans: number) {
  const pick = (f: (r: OverheadRun) => number): number => Math.round(median(runs.map(f)))
  const calls = (
    f: (r: OverheadRun) => Readonly<Record<string, number>>
  ): Record<string, number> => {
    const out: Record<string, number> = {}
    for (const run of runs)
      for (const [k, v] of Object.entries(f(run))) out[k] = Math.max(out[k] ?? 0, v)
    return out
  }
  return {
    wall_ms: pick((r) => r.wallMs),
    post_ms: pick((r) => r.postMs),
    helm_ms: pick((r) => r.helm.ms),
    git_ms: pick((r) => r.git.ms),
    helm_calls_per_plan: round2(median(runs.map((r) => r.helm.count)) / plans),
    helm_calls: calls((r) => r.helm.by),
    git_calls: calls((r) => r.git.by),
    overhead_ms_per_plan: pick((r) => r.overheadMsPerPlan)
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}

function ratios(
  action: { wall: number; cpu: number },
  other: (name: string) => { wall: number; cpu: number } | undefined
): Ratios {
  return {
    action_vs_bare: ratio(action.wall, other('bare')?.wall),
    action_vs_helmfile: ratio(action.wall, other('helmfile')?.wall),
    cpu_action_vs_bare: ratio(action.cpu, other('bare')?.cpu),
    cpu_action_vs_helmfile: ratio(action.cpu, other('helmfile')?.cpu)
  }
}

export function toResult(m: Measurements): BenchResult {
  const releases = m.setups * m.plans
  const overhead = Object.fromEntries(
    PHASES.map((p) => [p, overheadOf(m.overhead[p], m.plans)])
  ) as Record<Phase, ReturnType<typeof overheadOf>>
  const contenders: Record<string, ContenderFigures | null> = {
    bare: null,
    helmfile: null,
    action: null
  }
  for (const [name, samples] of m.samples) contenders[name] = figures(samples, releases)
  const action = contenders.action!
  const totals = (name: string) => {
    const c = contenders[name]
    return c ? { wall: c.total.median_ms, cpu: c.total_cpu.median_ms } : undefined
  }
  const headline = ratios(totals('action')!, totals)
  // The worse push is the figure: a target holds only if it holds for both.
  const overheadPerPlan = Math.max(
    overhead.install.overhead_ms_per_plan,
    overhead.upgrade.overhead_ms_per_plan
  )
  const noopPerPlan = Math.round(action.noop.median_ms / releases)
  const noopDeploys = Math.max(
    0,
    ...m.overhead.noop.map((r) => (r.helm.by.install ?? 0) + (r.helm.by.upgrade ?? 0))
  )
  const planningMs = Math.round(m.planning.ms)
  const goals = targetsAt(m.rttMs)
  const values: Record<TargetName, number | null> = {
    action_vs_bare: headline.action_vs_bare,
    action_vs_helmfile: headline.action_vs_helmfile,
    cpu_action_vs_helmfile: headline.cpu_action_vs_helmfile,
    noop_resync_ms_per_plan: noopPerPlan,
    noop_resync_helm_deploys: noopDeploys,
    overhead_ms_per_plan: overheadPerPlan,
    planning_5000_files_ms: planningMs
  }
  const targets = Object.fromEntries(
    Object.entries(goals).map(([name, t]: [string, Target]) => {
      const value = values[name as TargetName]
      const met =
        value === null || t.target === null ? null : t.strict ? value < t.target : value <= t.target
      return [name, { target: t.target, value, met }]
    })
  ) as BenchResult['targets']
  const mb = (kb: number): number => Math.round(kb / 102.4) / 10
  const names = Object.keys(contenders)
  return {
    date: new Date().toISOString(),
    rtt_ms: m.rttMs,
    machine: m.machine,
    setups: m.setups,
    plans: m.plans,
    rounds: m.rounds,
    versions: m.versions,
    medians_ms: Object.fromEntries(names.map((k) => [k, totals(k)?.wall ?? null])),
    cpu_medians_ms: Object.fromEntries(names.map((k) => [k, totals(k)?.cpu ?? null])),
    contenders,
    ...headline,
    ratios_by_phase: Object.fromEntries(
      PHASES.map((p) => {
        const of = (name: string) => {
          const c = contenders[name]
          return c ? { wall: c[p].median_ms, cpu: c[p].cpu.median_ms } : undefined
        }
        return [p, ratios(of('action')!, of)]
      })
    ) as BenchResult['ratios_by_phase'],
    helm_processes_per_plan: Object.fromEntries(
      Object.entries(contenders).flatMap(([k, c]) =>
        c ? [[k, Object.fromEntries(PHASES.map((p) => [p, c[p].helm_processes_per_plan]))]] : []
      )
    ) as BenchResult['helm_processes_per_plan'],
    api_requests_per_plan: Object.fromEntries(
      Object.entries(contenders).flatMap(([k, c]) =>
        c
          ? [[k, Object.fromEntries(PHASES.map((p) => [p, c[p].api?.requests_per_plan ?? null]))]]
          : []
      )
    ) as BenchResult['api_requests_per_plan'],
    noop_resync_ms_per_plan: noopPerPlan,
    noop_resync_cpu_ms_per_plan: Math.round(action.noop.cpu.median_ms / releases),
    overhead_ms_per_plan: overheadPerPlan,
    overhead,
    peak_rss_mb: Object.fromEntries([...m.peaks].map(([k, v]) => [k, mb(v)])),
    cold_start_ms: m.cold.action.median_ms,
    node_startup_ms: m.cold.node.median_ms,
    planning_5000_files_ms: planningMs,
    planning_5000_files_cpu_ms: Math.round(m.planning.cpuMs),
    targets,
    notes: m.notes
  }
}

export function printReport(r: BenchResult): void {
  const s = (ms: number | undefined): string =>
    ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`
  const cell = (f: Summary | undefined): string => s(f?.median_ms).padStart(9)
  const out: string[] = ['']
  out.push(
    `${r.setups} setups × ${r.plans} plans, API servers ${r.rtt_ms} ms round trip away, ${r.rounds} rounds, ${r.machine.cores} cores (${r.machine.cpu}), load ${r.machine.load_average.start}–${r.machine.load_average.end} (max ${r.machine.load_average.max})`
  )
  out.push(
    'median            install     upgrade  no-op sync   inst+upg  │  CPU inst+upg   helm procs a plan (inst/upg/no-op)'
  )
  for (const [name, f] of Object.entries(r.contenders)) {
    if (!f) {
      out.push(`  ${name.padEnd(12)}   not run`)
      continue
    }
    const procs = PHASES.map((p) => f[p].helm_processes_per_plan ?? '—').join(' / ')
    out.push(
      `  ${name.padEnd(12)} ${cell(f.install)}   ${cell(f.upgrade)}   ${cell(f.noop)}  ${cell(f.total)}  │  ${cell(f.total_cpu)}      ${procs}`
    )
  }
  out.push(
    `ratios (inst+upg)      wall: action/bare ${r.action_vs_bare ?? '—'}, action/helmfile ${r.action_vs_helmfile ?? '—'};  CPU: action/bare ${r.cpu_action_vs_bare ?? '—'}, action/helmfile ${r.cpu_action_vs_helmfile ?? '—'}`
  )
  for (const [name, f] of Object.entries(r.contenders)) {
    if (!f?.install.api) continue
    out.push(
      `API (${name.padEnd(8)})    ${PHASES.map((p) => `${p} ${f[p].api?.requests_per_plan ?? '—'} req a plan, ${f[p].api?.requests_per_second ?? '—'}/s, peak ${f[p].api?.peak_in_flight ?? '—'} in flight`).join('; ')}`
    )
  }
  out.push(
    `own overhead a plan    install ${r.overhead.install.overhead_ms_per_plan} ms, upgrade ${r.overhead.upgrade.overhead_ms_per_plan} ms`
  )
  const action = r.contenders.action
  if (action)
    out.push(
      `the action's node CPU  ${PHASES.map((p) => `${p} ${action[p].own_cpu_ms ?? '—'} ms`).join(', ')} (of its tree's ${PHASES.map((p) => action[p].cpu.median_ms).join(' / ')} ms)`
    )
  out.push(
    `peak memory (MB)       ${Object.entries(r.peak_rss_mb)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`
  )
  out.push(`cold start             ${r.cold_start_ms} ms (node alone ${r.node_startup_ms} ms)`)
  out.push(
    `planning 5,000 files   ${r.planning_5000_files_ms} ms wall, ${r.planning_5000_files_cpu_ms} ms CPU`
  )
  out.push('targets')
  const goals: Record<string, Target> = targetsAt(r.rtt_ms)
  for (const [name, t] of Object.entries(r.targets)) {
    const spec = goals[name]!
    const cmp = spec.strict ? '<' : '≤'
    const verdict =
      t.target === null
        ? 'not a target at this round trip'
        : t.met === null
          ? 'n/a (not measured)'
          : t.met
            ? 'met'
            : 'MISSED'
    out.push(
      `  ${name.padEnd(26)} ${String(t.value ?? '—').padStart(7)} ${spec.unit.padEnd(2)} (${t.target === null ? 'no goal' : `${cmp} ${t.target}`})  ${verdict}`
    )
  }
  for (const note of r.notes) out.push(`note: ${note}`)
  console.log(out.join('\n'))
}
