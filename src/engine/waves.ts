import { setTimeout as sleep } from 'node:timers/promises'
import * as core from '@actions/core'
import type { KubeClient } from '../cluster/client.ts'
import { checkHealth } from '../health/check.ts'
import { PlanLog } from '../report/plan-log.ts'
import { problemResult, resultOf } from '../report/results.ts'
import type { DeploymentPlan, PlannedStep, SetupPlan } from '../types/plan.ts'
import type { Result } from '../types/results.ts'
import { soakTargets, stoppedNote, waveGate } from '../waves/gate.ts'
import { errorMessage } from '../error-message.ts'
import { notRun } from './outcome.ts'
import { mapLimited } from './pool.ts'
import type { Shared } from './run.ts'

// A deploy's setups, wave after wave (plan.waves): a wave's setups run together (up to
// `parallel`); the gate decides on its results and its plan files' problems; a wave
// that passed and is followed by another waits `wave-soak` and has its health-checked
// releases read again. When a wave stops the rollout, the plans of every later wave
// are skipped, untouched. The last wave is not soaked: nothing waits for it.

/** A setup's cluster kept open after its plans ran, for the soak's re-check. */
export interface HeldCluster {
  readonly setup: string
  /** helm's environment with the setup's kubeconfig. */
  readonly env: NodeJS.ProcessEnv
  readonly client: KubeClient | undefined
}

/** Runs one setup's plans; with `hold`, its cluster is handed over instead of closed. */
export type RunSetup = (setup: SetupPlan, hold?: (held: HeldCluster) => void) => Promise<Result[]>

export async function runWaves(shared: Shared, runSetup: RunSetup): Promise<Result[]> {
  const { plan, config } = shared
  const waves = wavesToRun(plan)
  const results: Result[] = []
  let stopped: string | undefined
  for (const [index, names] of waves.entries()) {
    const wave = index + 1
    const setups = plan.setups.filter((s) => names.includes(s.setup))
    if (stopped !== undefined) {
      const note = stopped
      results.push(...setups.flatMap((s) => s.steps.map((step) => notRun(step, 'skipped', note))))
      continue
    }
    if (waves.length > 1) core.info(`Wave ${wave} of ${waves.length}: ${names.join(', ')}`)
    const soaking = wave < waves.length && config.waveSoakMs > 0
    const held: HeldCluster[] = []
    try {
      let done = (
        await mapLimited(setups, config.parallel, (setup) =>
          runSetup(setup, soaking ? (cluster) => held.push(cluster) : undefined)
        )
      ).flat()
      const problems = plan.problems.filter((p) => names.includes(p.target.setup))
      const gate = () => waveGate([...done, ...problems.map(problemResult)])
      let verdict = gate()
      if (verdict.passed && soaking && !shared.signal.aborted) {
        done = await soak(wave, setups, done, held, shared)
        verdict = gate()
      }
      results.push(...done)
      if (!verdict.passed) {
        stopped = stoppedNote(wave, verdict.stoppedBy)
        if (wave < waves.length)
          core.info(`Wave ${wave} failed: the plans of the later waves are not run`)
      }
    } finally {
      await Promise.all(held.flatMap(({ client }) => (client ? [client.close()] : [])))
    }
  }
  return results
}

/** plan.waves, with a setup it lacks (a plan made by hand) in the last wave rather than never run. */
function wavesToRun(plan: DeploymentPlan): (readonly string[])[] {
  const waves = plan.waves.map((w) => [...w])
  const placed = new Set(waves.flat())
  const left = plan.setups.map((s) => s.setup).filter((s) => !placed.has(s))
  if (left.length === 0) return waves
  if (waves.length === 0) return [left]
  waves[waves.length - 1]?.push(...left)
  return waves
}

/** Waits the soak (cancellation ends it), then reads the wave's health-checked releases again. */
async function soak(
  wave: number,
  setups: readonly SetupPlan[],
  done: readonly Result[],
  held: readonly HeldCluster[],
  shared: Shared
): Promise<Result[]> {
  const soakText = goDuration(shared.config.waveSoakMs)
  core.info(`Wave ${wave} passed: soaking ${soakText} before it is re-checked and the next starts`)
  await sleep(shared.config.waveSoakMs, undefined, { signal: shared.signal }).catch(() => undefined)
  if (shared.signal.aborted) return [...done]
  const log = new PlanLog(`wave ${wave} after the wave-soak of ${soakText}`)
  const rechecked = new Map<string, Result>()
  // Setups side by side as they deployed; a setup's releases one after another.
  await mapLimited(setups, shared.config.parallel, async (setup) => {
    const cluster = held.find((h) => h.setup === setup.setup)
    const inSetup = done.filter((r) => r.setup === setup.setup)
    for (const { step, result } of soakTargets(setup.steps, inSetup)) {
      const read = await stillHealthy(step, cluster, shared)
      if (read === undefined) {
        log.line(`${step.target.plan}: still healthy`)
        continue
      }
      const why = `unhealthy after the wave-soak of ${soakText}: ${read}`
      log.line(`✖ ${step.target.plan}: ${why}`)
      // `health` goes along for results that carry it (the soak's verdict).
      const fields = {
        ...result,
        status: 'failed' as const,
        error: why,
        health: 'unhealthy' as const
      }
      rechecked.set(result.plan, resultOf(step, fields))
    }
  })
  log.flush(rechecked.size === 0 ? 'still healthy' : `${rechecked.size} release(s) unhealthy`)
  return done.map((r) => rechecked.get(r.plan) ?? r)
}

/** Milliseconds as a Go duration reads: `10m`, `1h30m`, `90ms`. */
export function goDuration(ms: number): string {
  const units: [number, string][] = [
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
    [1, 'ms']
  ]
  let rest = Math.round(ms)
  let text = ''
  for (const [size, unit] of units) {
    const count = Math.floor(rest / size)
    if (count > 0) text += `${count}${unit}`
    rest -= count * size
  }
  return text || '0s'
}

/** undefined when the release is still healthy, else why not (an API error fails safe). */
async function stillHealthy(
  step: Extract<PlannedStep, { action: 'apply' }>,
  cluster: HeldCluster | undefined,
  shared: Shared
): Promise<string | undefined> {
  const client = cluster?.client
  if (!cluster || !client)
    return 'no API client could be built from the setup kubeconfig to read its objects'
  try {
    const manifest = await shared.ports.helm.manifest(step.target, {
      env: cluster.env,
      signal: shared.signal
    })
    const report = await checkHealth({
      client,
      manifest,
      namespace: step.target.namespace,
      check: step.spec.options.health,
      timeoutMs: 0,
      signal: shared.signal
    })
    return report.health === 'healthy' ? undefined : report.notes.join('; ') || 'not current'
  } catch (error) {
    return `its health could not be read: ${errorMessage(error)}`
  }
}
