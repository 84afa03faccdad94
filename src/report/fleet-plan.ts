import * as core from '@actions/core'
import type { WaveShards } from '../types/fleet.ts'
import { mask } from '../secrets/masking.ts'
import { code } from './markdown.ts'
import { writeSummary } from './report.ts'

// `mode: plan`: the outputs a fleet's workflow builds its jobs from, and a short
// summary of them. The setups output is written with the plan (reportPlan).

export interface FleetPlanReport {
  /** The diff base compared with; undefined when every plan is in scope. */
  readonly base: string | undefined
  readonly head: string
  readonly waves: readonly (readonly string[])[]
  readonly shards: readonly WaveShards[]
  readonly shardSize: number
  /** Plan files in scope that cannot be read: their shards' jobs report them. */
  readonly problems: number
}

export async function reportFleetPlan(report: FleetPlanReport): Promise<void> {
  core.setOutput('base', report.base ?? '')
  core.setOutput('head', report.head)
  core.setOutput('waves', mask(JSON.stringify(report.waves)))
  core.setOutput('shards', mask(JSON.stringify(report.shards)))
  await writeSummary(renderFleetPlan(report))
}

/** Pure: the plan job's summary. */
export function renderFleetPlan(report: FleetPlanReport): string {
  const setups = report.waves.reduce((n, w) => n + w.length, 0)
  const jobs = report.shards.reduce((n, w) => n + w.matrix.include.length, 0)
  const lines = [
    `## gitops-action: fleet plan of \`${report.head.slice(0, 12)}\``,
    '',
    `${report.base ? `Changes since \`${report.base.slice(0, 12)}\`` : 'Every plan in scope'}: ${setups} setup(s) in ${report.waves.length} wave(s), ${jobs} shard job(s) of at most ${report.shardSize} setup(s).` +
      (report.problems > 0
        ? ` ${report.problems} plan file(s) cannot be read: their shards report them.`
        : ''),
    ''
  ]
  if (jobs > 0) {
    lines.push('| Wave | Shard | Setups |', '| --- | --- | --- |')
    for (const { wave, matrix } of report.shards)
      for (const { shard, setups: members } of matrix.include)
        lines.push(`| ${wave} | ${code(shard)} | ${members.split(',').map(code).join(', ')} |`)
  }
  return lines.join('\n') + '\n'
}
