import type { OverheadRun } from './contenders/action.ts'
import type { ColdStart, Machine } from './figures.ts'
import { PHASES, type Phase } from './ops-repo.ts'
import { median, ratio, summarize, type Summary } from './stats.ts'

// The figures of one benchmark run: the JSON committed under bench/results/ and the table printed.

export interface Measurements {
  readonly setups: number
  readonly plans: number
  readonly rounds: number
  /** Wall times by contender and phase, one sample a counted round. */
  readonly samples: ReadonlyMap<string, Record<Phase, number[]>>
  readonly overhead: Readonly<Record<Phase, readonly OverheadRun[]>>
  /** Peak RSS (KiB) of each contender's own process, where measured. */
  readonly peaks: ReadonlyMap<string, number>
  readonly cold: ColdStart
  readonly planningMs: number
  readonly machine: Machine
  readonly versions: Readonly<Record<string, string | null>>
  readonly notes: readonly string[]
}

interface ContenderFigures {
  readonly install: Summary
  readonly upgrade: Summary
  /** install + upgrade of the same round. */
  readonly total: Summary
}

export const TARGETS = {
  action_vs_bare: 0.5,
  action_vs_helmfile: 0.5,
  overhead_ms_per_plan: 150,
  planning_5000_files_ms: 1000
} as const

export interface BenchResult {
  readonly date: string
  readonly machine: Machine
  readonly setups: number
  readonly plans: number
  readonly rounds: number
  readonly versions: Readonly<Record<string, string | null>>
  /** Median wall time of a round (an install push plus an upgrade push) of each contender. */
  readonly medians_ms: Readonly<Record<string, number | null>>
  readonly contenders: Readonly<Record<string, ContenderFigures | null>>
  readonly action_vs_bare: number | null
  readonly action_vs_helmfile: number | null
  readonly ratios_by_phase: Readonly<
    Record<Phase, { action_vs_bare: number | null; action_vs_helmfile: number | null }>
  >
  readonly overhead_ms_per_plan: number
  readonly overhead: Readonly<Record<Phase, ReturnType<typeof overheadOf>>>
  readonly peak_rss_mb: Readonly<Record<string, number>>
  readonly cold_start_ms: number
  readonly node_startup_ms: number
  readonly planning_5000_files_ms: number
  readonly targets: Readonly<
    Record<keyof typeof TARGETS, { target: number; value: number | null; met: boolean | null }>
  >
  readonly notes: readonly string[]
}

function figures(samples: Record<Phase, number[]>): ContenderFigures {
  return {
    install: summarize(samples.install),
    upgrade: summarize(samples.upgrade),
    total: summarize(samples.install.map((ms, i) => ms + (samples.upgrade[i] ?? 0)))
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
    helm_calls_per_plan: Math.round((median(runs.map((r) => r.helm.count)) / plans) * 100) / 100,
    helm_calls: calls((r) => r.helm.by),
    git_calls: calls((r) => r.git.by),
    overhead_ms_per_plan: pick((r) => r.overheadMsPerPlan)
  }
}

export function toResult(m: Measurements): BenchResult {
  const contenders: Record<string, ContenderFigures | null> = {
    bare: null,
    helmfile: null,
    action: null
  }
  for (const [name, samples] of m.samples) contenders[name] = figures(samples)
  const action = contenders.action!
  const bare = contenders.bare!
  const helmfile = contenders.helmfile
  const overhead = {
    install: overheadOf(m.overhead.install, m.plans),
    upgrade: overheadOf(m.overhead.upgrade, m.plans)
  }
  // The worse phase is the figure: a target holds only if it holds for both pushes.
  const overheadPerPlan = Math.max(
    overhead.install.overhead_ms_per_plan,
    overhead.upgrade.overhead_ms_per_plan
  )
  const vsBare = ratio(action.total.median_ms, bare.total.median_ms)
  const vsHelmfile = ratio(action.total.median_ms, helmfile?.total.median_ms)
  const target = (name: keyof typeof TARGETS, value: number | null, strict = false) => ({
    target: TARGETS[name],
    value,
    met: value === null ? null : strict ? value < TARGETS[name] : value <= TARGETS[name]
  })
  const mb = (kb: number): number => Math.round(kb / 102.4) / 10
  return {
    date: new Date().toISOString(),
    machine: m.machine,
    setups: m.setups,
    plans: m.plans,
    rounds: m.rounds,
    versions: m.versions,
    medians_ms: Object.fromEntries(
      Object.entries(contenders).map(([k, v]) => [k, v?.total.median_ms ?? null])
    ),
    contenders,
    action_vs_bare: vsBare,
    action_vs_helmfile: vsHelmfile,
    ratios_by_phase: Object.fromEntries(
      PHASES.map((p) => [
        p,
        {
          action_vs_bare: ratio(action[p].median_ms, bare[p].median_ms),
          action_vs_helmfile: ratio(action[p].median_ms, helmfile?.[p].median_ms)
        }
      ])
    ) as BenchResult['ratios_by_phase'],
    overhead_ms_per_plan: overheadPerPlan,
    overhead,
    peak_rss_mb: Object.fromEntries([...m.peaks].map(([k, v]) => [k, mb(v)])),
    cold_start_ms: m.cold.action.median_ms,
    node_startup_ms: m.cold.node.median_ms,
    planning_5000_files_ms: Math.round(m.planningMs),
    targets: {
      action_vs_bare: target('action_vs_bare', vsBare),
      action_vs_helmfile: target('action_vs_helmfile', vsHelmfile),
      overhead_ms_per_plan: target('overhead_ms_per_plan', overheadPerPlan),
      planning_5000_files_ms: target('planning_5000_files_ms', Math.round(m.planningMs), true)
    },
    notes: m.notes
  }
}

export function printReport(r: BenchResult): void {
  const s = (ms: number | undefined): string =>
    ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`
  const out: string[] = []
  out.push('')
  out.push(
    `${r.setups} setups × ${r.plans} plans, ${r.rounds} rounds, ${r.machine.cores} cores (${r.machine.cpu})`
  )
  out.push('median wall time     install     upgrade       round')
  for (const [name, f] of Object.entries(r.contenders)) {
    out.push(
      `  ${name.padEnd(16)} ${f ? `${s(f.install.median_ms).padStart(9)}   ${s(f.upgrade.median_ms).padStart(9)}   ${s(f.total.median_ms).padStart(9)}` : '  not run'}`
    )
  }
  const mark = (t: { met: boolean | null }): string =>
    t.met === null ? '(n/a)' : t.met ? 'ok' : 'MISSED'
  const t = r.targets
  out.push(
    `action / bare loop     ${r.action_vs_bare ?? '—'}  (target ≤ ${t.action_vs_bare.target}) ${mark(t.action_vs_bare)}`
  )
  out.push(
    `action / helmfile      ${r.action_vs_helmfile ?? '—'}  (target ≤ ${t.action_vs_helmfile.target}) ${mark(t.action_vs_helmfile)}`
  )
  out.push(
    `own overhead a plan    ${r.overhead_ms_per_plan} ms  (install ${r.overhead.install.overhead_ms_per_plan}, upgrade ${r.overhead.upgrade.overhead_ms_per_plan}; target ≤ ${t.overhead_ms_per_plan.target}) ${mark(t.overhead_ms_per_plan)}`
  )
  out.push(
    `helm calls a plan      install ${r.overhead.install.helm_calls_per_plan}, upgrade ${r.overhead.upgrade.helm_calls_per_plan}`
  )
  out.push(
    `peak memory (MB)       ${Object.entries(r.peak_rss_mb)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`
  )
  out.push(`cold start             ${r.cold_start_ms} ms (node alone ${r.node_startup_ms} ms)`)
  out.push(
    `planning 5,000 files   ${r.planning_5000_files_ms} ms  (target < ${t.planning_5000_files_ms.target}) ${mark(t.planning_5000_files_ms)}`
  )
  for (const note of r.notes) out.push(`note: ${note}`)
  console.log(out.join('\n'))
}
