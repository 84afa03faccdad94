import type { LayoutOptions } from './layout.ts'
import { classifyPath } from './layout.ts'
import { chartDirsOf } from './planner.ts'

// Pure: every setup of the repository at a commit, by its plan-shaped paths: the
// fleet a fleet's shards are cut from. Names alone: no plan file is read.

export function fleetSetups(
  files: readonly string[],
  options: Pick<LayoutOptions, 'setupNameSize' | 'ignore'>
): string[] {
  const layout: LayoutOptions = { ...options, chartDirs: chartDirsOf(files) }
  const setups = new Set<string>()
  for (const file of files) {
    const shaped = classifyPath(file, layout)
    if (shaped.kind !== 'other') setups.add(shaped.target.setup)
  }
  return [...setups].sort()
}
