import { matchesAny } from '../plan/layout.ts'
import type { WaveLine } from '../types/config.ts'

// Pure: which wave a setup belongs to. A setup joins the first line of the `waves`
// input it matches; setups matching none form a last wave. Globs match setup names as
// the `plans` and `ignore` inputs match paths.

/** The index of the line a setup joins; `lines.length` (the last wave) when it matches none. */
function lineOf(lines: readonly WaveLine[], setup: string): number {
  const index = lines.findIndex((line) => matchesAny(setup, line.globs))
  return index < 0 ? lines.length : index
}

/** Whether a line of `waves` names the setup: then every plan of it is health-checked. */
export function namedByWaves(lines: readonly WaveLine[], setup: string): boolean {
  return lineOf(lines, setup) < lines.length
}

/**
 * The setups in wave order, each wave sorted; waves no setup joined are left out, so
 * the n-th list is wave n of the run (the `wave` of its results). Without lines: one wave.
 */
export function groupWaves(lines: readonly WaveLine[], setups: readonly string[]): string[][] {
  const waves: string[][] = Array.from({ length: lines.length + 1 }, () => [])
  for (const setup of new Set(setups)) waves[lineOf(lines, setup)]?.push(setup)
  return waves.filter((wave) => wave.length > 0).map((wave) => wave.sort(compare))
}

export class WavesInputError extends Error {}

/** Setups named in an error, at most; the rest are counted. */
const MAX_SETUPS_SHOWN = 10

/**
 * A line that matches no setup of the repository is a mistake (a typo, a renamed
 * cluster): rolling out without it would silently drop a stage of the rollout.
 */
export function checkWaveLines(
  lines: readonly WaveLine[],
  repositorySetups: readonly string[]
): void {
  const known = [...new Set(repositorySetups)].sort(compare)
  const line = lines.find((l) => !known.some((setup) => matchesAny(setup, l.globs)))
  if (!line) return
  const shown = known.slice(0, MAX_SETUPS_SHOWN).join(', ')
  const more = known.length > MAX_SETUPS_SHOWN ? ` and ${known.length - MAX_SETUPS_SHOWN} more` : ''
  const setups = known.length === 0 ? 'it has none' : `its setups are ${shown}${more}`
  throw new WavesInputError(
    `input 'waves' line ${line.line} (${line.globs.join(', ')}) matches no setup of the repository (${setups}); correct the glob or remove the line. Nothing was deployed.`
  )
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
