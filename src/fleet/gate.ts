import type { MergedFleet } from './merge.ts'

// Pure: the gate between waves. A wave passes when at most `max-failures` of its
// setups failed: a setup fails with any failed plan, or when no result speaks for
// it (its shard left no file, or its run failed as a whole).

export interface WaveVerdict {
  readonly wave: number
  readonly setups: number
  readonly failed: readonly string[]
  readonly passed: boolean
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export function waveVerdicts(merged: MergedFleet, maxFailures: number): WaveVerdict[] {
  const failed = new Set<string>()
  for (const r of merged.results) if (r.status === 'failed') failed.add(r.setup)
  for (const u of merged.unreported) for (const s of u.setups) failed.add(s)
  const waves = new Map<number, string[]>()
  for (const [setup, wave] of merged.waves) waves.set(wave, [...(waves.get(wave) ?? []), setup])
  return [...waves.entries()]
    .sort(([a], [b]) => a - b)
    .map(([wave, setups]) => {
      const down = setups.filter((s) => failed.has(s)).sort(compare)
      return { wave, setups: setups.length, failed: down, passed: down.length <= maxFailures }
    })
}
