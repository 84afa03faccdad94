// The benchmark's figures from its measurements: ratios in wall and CPU time, helm
// processes a plan, the no-op re-sync, and each target judged met, missed or not measured.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import type { OverheadRun } from '../../../bench/contenders/action.ts'
import { childrenCpuMs } from '../../../bench/measure.ts'
import type { Phase } from '../../../bench/ops-repo.ts'
import { toResult, type Measurements, type PhaseSample } from '../../../bench/report.ts'

const summary = (ms: number) => ({ median_ms: ms, min_ms: ms, max_ms: ms, samples_ms: [ms] })

function overheadRun(calls: Record<string, number>, overheadMsPerPlan: number): OverheadRun {
  const count = Object.values(calls).reduce((a, b) => a + b, 0)
  return {
    wallMs: 2000,
    postMs: 200,
    helm: { ms: 1000, count, by: calls },
    git: { ms: 50, count: 3, by: { diff: 3 } },
    overheadMsPerPlan
  }
}

/** Two rounds of one contender: the same sample each round. */
function rounds(
  install: PhaseSample,
  upgrade: PhaseSample,
  noop: PhaseSample
): Record<Phase, PhaseSample[]> {
  return { install: [install, install], upgrade: [upgrade, upgrade], noop: [noop, noop] }
}

function measurements(withHelmfile: boolean, rttMs = 40): Measurements {
  const samples = new Map<string, Record<Phase, PhaseSample[]>>([
    [
      'bare',
      rounds(
        { ms: 20_000, cpuMs: 10_000, helmProcesses: 21 },
        { ms: 20_000, cpuMs: 10_000, helmProcesses: 21 },
        { ms: 20_000, cpuMs: 10_000, helmProcesses: 21 }
      )
    ],
    [
      'action',
      rounds(
        {
          ms: 8_000,
          cpuMs: 6_000,
          helmProcesses: 22,
          ownCpuMs: 900,
          api: { requests: 400, peakInFlight: 9 }
        },
        { ms: 12_000, cpuMs: 8_000, helmProcesses: 22, ownCpuMs: 1_000 },
        { ms: 1_000, cpuMs: 800, helmProcesses: 2, ownCpuMs: 600 }
      )
    ]
  ])
  if (withHelmfile)
    samples.set(
      'helmfile',
      rounds(
        { ms: 10_000, cpuMs: 12_000, helmProcesses: 24 },
        { ms: 10_000, cpuMs: 12_000, helmProcesses: 24 },
        { ms: 10_000, cpuMs: 12_000, helmProcesses: 24 }
      )
    )
  return {
    rttMs,
    setups: 4,
    plans: 5,
    rounds: 2,
    samples,
    overhead: {
      install: [overheadRun({ version: 1, repo: 1, list: 1, upgrade: 5 }, 90)],
      upgrade: [overheadRun({ version: 1, repo: 1, list: 1, upgrade: 5 }, 120)],
      noop: [overheadRun({ version: 1, list: 1 }, 40)]
    },
    peaks: new Map([['action', 100 * 1024]]),
    cold: { action: summary(700), node: summary(60) },
    planning: { ms: 620, cpuMs: 450 },
    machine: {
      cpu: 'test',
      cores: 2,
      memory_gb: 24,
      os: 'linux',
      load_average: { start: 1, end: 2, max: 3 }
    },
    versions: { action: 'abc' },
    notes: []
  }
}

describe('bench result figures', () => {
  it('gives the ratios in wall and CPU time of install + upgrade, and by push', () => {
    const r = toResult(measurements(true))
    expect(r.medians_ms).toEqual({ bare: 40_000, helmfile: 20_000, action: 20_000 })
    expect(r.cpu_medians_ms).toEqual({ bare: 20_000, helmfile: 24_000, action: 14_000 })
    expect(r).toMatchObject({
      action_vs_bare: 0.5,
      action_vs_helmfile: 1,
      cpu_action_vs_bare: 0.7,
      cpu_action_vs_helmfile: 0.58
    })
    expect(r.ratios_by_phase.noop).toEqual({
      action_vs_bare: 0.05,
      action_vs_helmfile: 0.1,
      cpu_action_vs_bare: 0.08,
      cpu_action_vs_helmfile: 0.07
    })
  })

  it('counts helm processes a plan: those a push started over all its plans', () => {
    const r = toResult(measurements(true))
    expect(r.helm_processes_per_plan).toEqual({
      bare: { install: 1.05, upgrade: 1.05, noop: 1.05 },
      helmfile: { install: 1.2, upgrade: 1.2, noop: 1.2 },
      action: { install: 1.1, upgrade: 1.1, noop: 0.1 }
    })
    expect(r.contenders.action?.install.own_cpu_ms).toBe(900)
    expect(r.contenders.bare?.install.own_cpu_ms).toBeNull()
  })

  it('gives what the API servers saw: requests a plan and a second, the most in flight', () => {
    const r = toResult(measurements(true))
    expect(r.rtt_ms).toBe(40)
    expect(r.contenders.action?.install.api).toEqual({
      requests_per_plan: 20,
      requests_per_second: 50,
      peak_in_flight: 9
    })
    expect(r.api_requests_per_plan.action).toEqual({ install: 20, upgrade: null, noop: null })
    expect(r.contenders.bare?.install.api).toBeNull()
  })

  it('judges every target, and leaves those of a contender that did not run unjudged', () => {
    const judged = toResult(measurements(true)).targets
    expect(judged).toEqual({
      action_vs_bare: { target: 0.15, value: 0.5, met: false },
      action_vs_helmfile: { target: 0.5, value: 1, met: false },
      cpu_action_vs_helmfile: { target: 0.7, value: 0.58, met: true },
      noop_resync_ms_per_plan: { target: 50, value: 50, met: true },
      noop_resync_helm_deploys: { target: 0, value: 0, met: true },
      overhead_ms_per_plan: { target: 100, value: 120, met: false },
      planning_5000_files_ms: { target: 500, value: 620, met: false }
    })
    const without = toResult(measurements(false))
    expect(without.action_vs_helmfile).toBeNull()
    expect(without.cpu_action_vs_helmfile).toBeNull()
    expect(without.medians_ms.helmfile).toBeNull()
    expect(without.targets.action_vs_helmfile).toEqual({ target: 0.5, value: null, met: null })
  })

  it('sets no wall-time goal where the API servers share the machine (0 ms round trip)', () => {
    const judged = toResult(measurements(true, 0)).targets
    expect(judged.action_vs_bare).toEqual({ target: null, value: 0.5, met: null })
    expect(judged.action_vs_helmfile).toEqual({ target: null, value: 1, met: null })
    expect(judged.cpu_action_vs_helmfile).toEqual({ target: 0.7, value: 0.58, met: true })
  })

  it('counts any helm install or upgrade in the re-sync against its target', () => {
    const m = measurements(true)
    const r = toResult({
      ...m,
      overhead: { ...m.overhead, noop: [overheadRun({ version: 1, list: 1, upgrade: 2 }, 40)] }
    })
    expect(r.targets.noop_resync_helm_deploys).toEqual({ target: 0, value: 2, met: false })
  })
})

describe('childrenCpuMs', () => {
  it("counts a finished child's CPU, with its own child's", () => {
    const before = childrenCpuMs()
    // A shell that starts a shell that spins: only the grandchild burns the CPU.
    execFileSync('sh', ['-c', 'sh -c "i=0; while [ \\$i -lt 200000 ]; do i=\\$((i+1)); done"'])
    expect(childrenCpuMs() - before).toBeGreaterThanOrEqual(50)
  })
})
