import { releaseKey } from '../types/plan.ts'
import { type DriftState, type Result } from '../types/results.ts'
import { code, codeCell, codeHtml, fenced, oneLine } from './markdown.ts'

// Pure: what a drift check found, counted for the outputs and written as a job
// summary section (and as a setup's issue body).

/** Releases that are not as the commit says: drifted, objects missing, or the release missing. */
export function driftedCount(results: readonly Result[]): number {
  return results.filter((r) => r.drift?.state === 'drifted' || r.drift?.state === 'release-missing')
    .length
}

export function orphanCount(results: readonly Result[]): number {
  return results.filter((r) => r.drift?.state === 'orphan').length
}

/** Whether `fail-on-drift` fails the step: drift or an orphan left as it was (a suspended release is neither). */
export function driftRemains(results: readonly Result[]): boolean {
  return results.some(
    (r) =>
      r.drift !== undefined &&
      r.drift.state !== 'in-sync' &&
      r.drift.state !== 'suspended' &&
      !(r.drift.corrected && r.status === 'succeeded')
  )
}

const STATES: Readonly<Record<DriftState, string>> = {
  'in-sync': '✅ in sync',
  drifted: '⚠️ drifted',
  'release-missing': '❌ release missing',
  orphan: '👻 orphan',
  suspended: '⏸️ suspended (not checked)'
}

/** The section: one row a release, then each drifted object's fields as a short diff. */
export function renderDriftSection(results: readonly Result[]): string {
  const checked = results.filter((r) => r.drift !== undefined)
  const lines = [
    '### Drift',
    '',
    `${checked.length} release(s) checked: ${driftedCount(results)} drifted or missing, ${orphanCount(results)} orphan(s).`,
    ''
  ]
  if (checked.length === 0) return lines.join('\n') + '\n'
  lines.push('| Setup | Release | Drift | Objects | Corrected |', '| --- | --- | --- | --- | --- |')
  for (const r of checked) {
    const drift = r.drift!
    const objects = drift.objects
      .map((o) => `${codeCell(o.object)} (${o.state}${o.reason ? `: ${codeCell(o.reason)}` : ''})`)
      .join(', ')
    const corrected = drift.corrected ? 'yes' : r.status === 'failed' ? 'failed' : ''
    lines.push(
      `| ${[codeCell(r.setup), codeCell(releaseKey(r)), STATES[drift.state], objects, corrected].join(' | ')} |`
    )
  }
  const diffs = checked.flatMap((r) =>
    r
      .drift!.objects.filter((o) => o.fields.length > 0)
      .map((o) => ({ release: `${r.setup} ${releaseKey(r)}`, object: o }))
  )
  for (const { release, object } of diffs) {
    lines.push('', `<details><summary>${codeHtml(`${release}: ${object.object}`)}</summary>`, '')
    // Cluster text, one line a field: the fence is longer than any backtick run in it.
    const diff = object.fields.flatMap((f) => [
      `@@ ${oneLine(f.path) || '(object)'} @@`,
      ...(f.want !== undefined ? [`- ${oneLine(f.want)}`] : []),
      ...(f.have !== undefined ? [`+ ${oneLine(f.have)}`] : [])
    ])
    lines.push(fenced('diff', diff.join('\n')), '', '</details>')
  }
  return lines.join('\n') + '\n'
}

/**
 * Each checked setup's issue: drifted or clean, and the body. A setup none of whose
 * releases could be checked is left out: its issue keeps what the last check said.
 */
export function setupDrifts(
  sha: string,
  results: readonly Result[]
): Array<{ setup: string; drifted: boolean; body: string }> {
  const bySetup = Map.groupBy(results, (r) => r.setup)
  return [...bySetup]
    .filter(([, rs]) => rs.some((r) => r.drift !== undefined))
    .map(([setup, rs]) => {
      const drifted = driftRemains(rs)
      const failed = rs
        .filter((r) => r.status === 'failed')
        .map((r) => `- ${code(r.error ?? r.plan)}`)
      const body = [
        drifted
          ? `The drift check of \`${sha.slice(0, 12)}\` found setup ${code(setup)} not as the commit says.`
          : `The drift check of \`${sha.slice(0, 12)}\` found setup ${code(setup)} as the commit says.`,
        '',
        renderDriftSection(rs),
        ...(failed.length > 0 ? ['', '**Not checked**', '', ...failed] : [])
      ].join('\n')
      return { setup, drifted, body }
    })
}
