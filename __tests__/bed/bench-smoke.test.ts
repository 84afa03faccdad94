// A smoke run of `npm run bench` with one setup and one plan: the whole benchmark
// runs on the test bed, its API servers 40 ms round trip away behind the latency proxies,
// and its JSON holds every figure the issue names, with sane values.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '..', '..')
const helmfile = join(
  process.env.TESTBED_CACHE ?? join(root, '.cache'),
  'helmfile',
  'v1.8.0',
  '.built'
)
const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'))

afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('npm run bench (S=1, P=1)', () => {
  it('measures every contender and writes a complete result file', () => {
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'bench', 'run.ts'),
        '--setups',
        '1',
        '--plans',
        '1',
        '--rounds',
        '1',
        '--out',
        out,
        '--work',
        join(out, 'work'),
        '--helmfile',
        'auto',
        '--rtt',
        '40'
      ],
      { cwd: root, encoding: 'utf8', timeout: 600_000 }
    )
    expect(run.status, `bench failed:\n${run.stdout}\n${run.stderr}`).toBe(0)
    const files = readdirSync(out).filter((f) => f.endsWith('.json'))
    expect(files).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\d-1x1-rtt40\.json$/)])
    const r = JSON.parse(readFileSync(join(out, files[0]!), 'utf8'))

    expect(r.machine).toMatchObject({
      cpu: expect.any(String),
      cores: expect.any(Number),
      memory_gb: expect.any(Number)
    })
    expect(r.machine.cores).toBeGreaterThanOrEqual(1)
    expect(r.machine.memory_gb).toBeGreaterThan(0)
    expect(Number.isNaN(Date.parse(r.date))).toBe(false)
    expect(r).toMatchObject({ setups: 1, plans: 1, rounds: 1, rtt_ms: 40 })

    // A helm install on a local API server takes tens of ms at least and not minutes.
    const sane = (ms: unknown) => {
      expect(ms).toEqual(expect.any(Number))
      expect(ms as number).toBeGreaterThan(10)
      expect(ms as number).toBeLessThan(120_000)
    }
    // CPU of a process tree that started node or helm: tens of ms at least, at most its
    // wall time on every core.
    const saneCpu = (ms: unknown, wall: number) => {
      expect(ms).toEqual(expect.any(Number))
      expect(ms as number).toBeGreaterThan(10)
      expect(ms as number).toBeLessThanOrEqual(wall * r.machine.cores + 20)
    }
    const ran = existsSync(helmfile) ? ['bare', 'helmfile', 'action'] : ['bare', 'action']
    for (const name of ran) {
      sane(r.medians_ms[name])
      saneCpu(r.cpu_medians_ms[name], r.medians_ms[name])
      for (const phase of ['install', 'upgrade', 'noop']) {
        sane(r.contenders[name][phase].median_ms)
        saneCpu(r.contenders[name][phase].cpu.median_ms, r.contenders[name][phase].median_ms)
      }
    }
    expect(r.action_vs_bare).toBeCloseTo(r.medians_ms.action / r.medians_ms.bare, 1)
    expect(r.cpu_action_vs_bare).toBeCloseTo(r.cpu_medians_ms.action / r.cpu_medians_ms.bare, 1)
    // Every contender's requests went through the proxies: a deploy takes several (discovery, the release, its objects).
    for (const name of ran) {
      expect(r.api_requests_per_plan[name].install).toBeGreaterThan(3)
      expect(r.contenders[name].install.api.peak_in_flight).toBeGreaterThanOrEqual(1)
    }
    // The bare loop starts one helm a release and one `helm repo add`, on every push.
    expect(r.helm_processes_per_plan.bare).toEqual({ install: 2, upgrade: 2, noop: 2 })
    // The action's own count: at least the deploy, on one plan.
    expect(r.helm_processes_per_plan.action.install).toBeGreaterThanOrEqual(1)
    if (existsSync(helmfile)) {
      expect(r.action_vs_helmfile).toBeCloseTo(r.medians_ms.action / r.medians_ms.helmfile, 1)
      expect(r.cpu_action_vs_helmfile).toBeCloseTo(
        r.cpu_medians_ms.action / r.cpu_medians_ms.helmfile,
        1
      )
      expect(r.helm_processes_per_plan.helmfile.install).toBeGreaterThanOrEqual(1)
    } else {
      expect(run.stdout).toContain('helmfile: SKIPPED, not built')
      expect(r.medians_ms.helmfile).toBeNull()
      expect(r.action_vs_helmfile).toBeNull()
      expect(r.cpu_action_vs_helmfile).toBeNull()
    }
    for (const phase of ['install', 'upgrade']) {
      // On one plan the action calls helm at least to deploy.
      expect(r.overhead[phase].helm_calls.install ?? r.overhead[phase].helm_calls.upgrade).toBe(1)
      expect(r.overhead[phase].helm_ms).toBeLessThan(r.overhead[phase].wall_ms)
    }
    // A re-sync of an unchanged plan deploys nothing.
    expect(r.overhead.noop.helm_calls.install ?? 0).toBe(0)
    expect(r.overhead.noop.helm_calls.upgrade ?? 0).toBe(0)
    expect(r.targets.noop_resync_helm_deploys).toMatchObject({ value: 0, met: true })
    expect(r.noop_resync_ms_per_plan).toBeCloseTo(r.contenders.action.noop.median_ms, -1)

    expect(r.overhead_ms_per_plan).toBeGreaterThan(0)
    expect(r.overhead_ms_per_plan).toBeLessThan(r.medians_ms.action)
    expect(r.peak_rss_mb.action).toBeGreaterThan(20)
    expect(r.peak_rss_mb.action).toBeLessThan(2048)
    sane(r.cold_start_ms)
    expect(r.cold_start_ms).toBeGreaterThanOrEqual(r.node_startup_ms)
    sane(r.planning_5000_files_ms)
    for (const name of [
      'action_vs_bare',
      'noop_resync_ms_per_plan',
      'overhead_ms_per_plan',
      'planning_5000_files_ms'
    ]) {
      expect(r.targets[name]).toMatchObject({
        target: expect.any(Number),
        met: expect.any(Boolean)
      })
    }
  }, 900_000)
})
