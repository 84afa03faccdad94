import type { WaveVerdict } from '../fleet/gate.ts'
import type { MergedFleet } from '../fleet/merge.ts'
import { code } from './markdown.ts'

// Pure: what a fleet's report adds above the merged run's own summary: how many
// files it merged, each wave against its gate, the setups no result speaks for,
// and the GitHub writes the jobs could not make.

export function renderFleetSection(
  merged: MergedFleet,
  verdicts: readonly WaveVerdict[],
  maxFailures: number
): string {
  const lines = [
    `## gitops-action: fleet report of \`${merged.sha.slice(0, 12)}\``,
    '',
    `Merged ${merged.files} results file(s): ${merged.setups.length} setup(s) in ${verdicts.length} wave(s).`,
    '',
    `| Wave | Setups | Failed setups | Gate (max-failures ${maxFailures}) |`,
    '| --- | --- | --- | --- |'
  ]
  for (const v of verdicts)
    lines.push(
      `| ${v.wave} | ${v.setups} | ${v.failed.length === 0 ? '0' : `${v.failed.length}: ${v.failed.map(code).join(', ')}`} | ${v.passed ? '✅ passed' : '❌ failed'} |`
    )
  if (merged.unreported.length > 0) {
    lines.push('', '### Setups without results', '')
    for (const u of merged.unreported)
      lines.push(
        `- wave ${u.wave}${u.shard ? `, shard ${code(u.shard)}` : ''} (${u.setups.map(code).join(', ') || 'no setups named'}): ${code(u.why)}`
      )
  }
  if (merged.unwritten.length > 0) {
    lines.push('', '### GitHub writes the jobs could not make', '')
    for (const line of merged.unwritten) lines.push(`- ${code(line)}`)
  }
  return lines.join('\n') + '\n\n'
}
