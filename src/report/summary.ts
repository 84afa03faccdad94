import type { Result } from '../types/results.ts'
import { code, codeCell } from './markdown.ts'

// Pure: the job summary as Markdown (the caller masks and writes it).

export interface SummaryInput {
  /** What the run did: the heading names it. */
  readonly run: 'deploy' | 'drift check'
  readonly sha: string
  readonly results: readonly Result[]
  readonly cancelled: boolean
}

const ICONS: Readonly<Record<Result['status'], string>> = {
  succeeded: '✅ succeeded',
  unchanged: '🟰 unchanged',
  failed: '❌ failed',
  skipped: '⏭️ skipped',
  planned: '📝 planned'
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  const seconds = ms / 1000
  return seconds < 60
    ? `${seconds.toFixed(1)} s`
    : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`
}

/** The result, and the release's health when it was checked. */
function resultCell(result: Result): string {
  return result.health ? `${ICONS[result.status]}, ${result.health}` : ICONS[result.status]
}

function chartCell(result: Result): string {
  if (!result.chart) return ''
  return result.version ? `${result.chart}@${result.version}` : result.chart
}

export function renderSummary(input: SummaryInput): string {
  const { results } = input
  const preview =
    input.run === 'deploy' &&
    results.length > 0 &&
    results.every((r) => r.revision === null && r.status !== 'succeeded') &&
    results.some((r) => r.status === 'planned' || r.operation === 'render')
  const lines: string[] = [
    `## gitops-action: ${preview ? 'preview (nothing applied)' : input.run} of \`${input.sha.slice(0, 12)}\``,
    ''
  ]
  if (input.cancelled)
    lines.push(
      '> [!WARNING]',
      '> The run was cancelled: plans that had not finished are reported as failed or skipped; the next run recovers them.',
      ''
    )
  if (results.length === 0) {
    lines.push('No plan was affected.')
    return lines.join('\n') + '\n'
  }
  const counts = (['succeeded', 'unchanged', 'failed', 'skipped', 'planned'] as const)
    .map((status) => [status, results.filter((r) => r.status === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
  lines.push(`${results.length} plan(s): ${counts.join(', ')}.`, '')
  lines.push('| Setup | Namespace | Release | Chart | Operation | Result | Revision | Duration |')
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const r of results) {
    lines.push(
      `| ${[...[r.setup, r.namespace, r.release, chartCell(r)].map(codeCell), r.operation ?? '', resultCell(r), r.revision === null ? '' : String(r.revision), formatDuration(r.durationMs)].join(' | ')} |`
    )
  }
  const failures = results.filter((r) => r.error)
  if (failures.length > 0) {
    lines.push('', '### Errors', '')
    for (const r of failures) lines.push(`- ${code(r.plan)}: ${code(r.error ?? '')}`)
  }
  const warned = results.filter((r) => (r.warnings ?? []).length > 0)
  if (warned.length > 0) {
    lines.push('', '### Warnings', '')
    for (const r of warned)
      for (const warning of r.warnings ?? []) lines.push(`- ${code(r.plan)}: ${code(warning)}`)
  }
  const noted = results.filter((r) => r.notes.length > 0)
  if (noted.length > 0) {
    lines.push('', '### Notes', '')
    for (const r of noted) lines.push(`- ${code(r.plan)}: ${code(r.notes.join('; '))}`)
  }
  return lines.join('\n') + '\n'
}

/** The summary of a run that stopped before any plan ran. */
export function renderRunFailure(message: string): string {
  return [
    '## gitops-action: the run failed before any plan ran',
    '',
    '> [!CAUTION]',
    `> ${code(message)}`,
    '',
    'Nothing was deployed. Fix the cause above and re-run the job.',
    ''
  ].join('\n')
}
