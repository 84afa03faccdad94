import * as core from '@actions/core'
import { mask } from '../secrets/masking.ts'
import type { Promotion, PromotionReport } from '../types/promotion.ts'
import { code, codeCell } from './markdown.ts'
import { runNotice, runWarning } from './run-warning.ts'

// What promotion did: the `promotions` output, a notice or warning for each thing it
// left out or could not do, and a section of the job summary.

/** The `promotions` output: one object a target setup's pull request, in the documented shape. */
export function promotionsJson(promotions: readonly Promotion[]): string {
  return JSON.stringify(
    promotions.map((p) => ({
      setup: p.setup,
      branch: p.branch,
      number: p.number,
      url: p.url,
      plans: p.plans.map((plan) => ({
        plan: plan.plan,
        from: plan.from,
        changes: plan.changes.map((c) => ({ key: c.key, old: c.old ?? null, new: c.new }))
      }))
    }))
  )
}

export function writePromotionsOutput(promotions: readonly Promotion[]): void {
  core.setOutput('promotions', mask(promotionsJson(promotions)))
}

/** Pure: the job summary's section, empty when nothing was proposed or left out. */
export function renderPromotions(report: PromotionReport): string {
  if (report.promotions.length + report.notes.length + report.warnings.length === 0) return ''
  const rows = report.promotions.map((p) => {
    const request = p.number === null ? 'not opened' : `[#${p.number}](${p.url ?? ''})`
    const plans = p.plans.map((plan) => code(plan.plan)).join(', ')
    return `| ${codeCell(p.setup)} | ${codeCell(p.branch)} | ${request} | ${plans.replaceAll('|', '\\|')} |`
  })
  return [
    '',
    '### Promotions',
    '',
    ...(rows.length > 0
      ? ['| to setup | branch | pull request | plans |', '| --- | --- | --- | --- |', ...rows, '']
      : []),
    ...[...report.warnings, ...report.notes].map((text) => `- ${code(text)}`),
    ''
  ].join('\n')
}

export async function reportPromotions(report: PromotionReport): Promise<void> {
  writePromotionsOutput(report.promotions)
  for (const warning of report.warnings) runWarning(warning)
  for (const note of report.notes) runNotice(note)
  const section = renderPromotions(report)
  if (section && process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(mask(section)).write()
}
