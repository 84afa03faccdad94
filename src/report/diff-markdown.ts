import { type PreviewBase } from '../types/diff-base.ts'
import { releaseKey } from '../types/plan.ts'
import { type Result } from '../types/results.ts'
import { countLine } from '../render/object-diff.ts'
import { code, codeHtml, fenced } from './markdown.ts'

// Pure: a preview's object diff as Markdown, for the job summary and the pull
// request comment: a section per setup, a collapsed block per release with its
// count line, every changed object as a ```diff block. Sized to a limit: the
// outline (every plan and its counts) comes first, then object diffs in order
// while they fit; what does not fit is counted in a note pointing at the log.

/** GitHub refuses a comment body over 65536 characters. */
export const COMMENT_LIMIT = 65_536
/** A job summary may hold 1 MiB; the plan table comes first, this leaves it room. */
export const SUMMARY_DIFF_LIMIT = 512 * 1024

export interface DiffMarkdownInput {
  readonly results: readonly Result[]
  readonly base: PreviewBase | undefined
  readonly limit: number
  /** First line, e.g. the sticky comment's hidden marker. */
  readonly header?: string
  /** Where the full diff is, e.g. "the log of run 12 (https://...)". */
  readonly fullDiffAt: string
}

const SIGN = { added: '+', changed: '~', removed: '-' } as const

/** One part of the body: the outline is always shown; object diffs while they fit. */
type Part =
  | { readonly kind: 'outline'; readonly text: string }
  | { readonly kind: 'object'; readonly title: string; readonly lines: readonly string[] }

function releaseTitle(r: Result): string {
  return `<b>${codeHtml(releaseKey(r))}</b> (${codeHtml(r.plan)})`
}

function partsOf(results: readonly Result[]): Part[] {
  const parts: Part[] = []
  const setups = [...new Set(results.map((r) => r.setup))]
  for (const setup of setups) {
    parts.push({ kind: 'outline', text: `\n### ${code(setup)}\n` })
    for (const r of results.filter((x) => x.setup === setup)) {
      const d = r.diff
      if (!d || d.objects.length === 0) {
        const what =
          r.status === 'failed'
            ? `❌ ${code(r.error ?? 'failed')}`
            : d
              ? 'renders the same'
              : code(r.notes.join('; ') || r.status)
        parts.push({ kind: 'outline', text: `- ${releaseTitle(r)}: ${what}\n` })
        continue
      }
      const op = r.operation === 'uninstall' ? ' (uninstall)' : ''
      parts.push({
        kind: 'outline',
        text: `\n<details><summary>${releaseTitle(r)}${op}: <code>${countLine(d)}</code></summary>\n\n`
      })
      for (const o of d.objects)
        parts.push({
          kind: 'object',
          title: `${SIGN[o.change]} ${code(o.key)}${o.cut > 0 ? ` (diff truncated: ${o.cut} lines not shown)` : ''}${o.note ? `\n\n${code(o.note)}` : ''}`,
          lines: o.diff.replace(/\n$/, '').split('\n')
        })
      parts.push({ kind: 'outline', text: '</details>\n' })
    }
  }
  return parts
}

function objectText(title: string, lines: readonly string[], cut: number): string {
  const note = cut > 0 ? `\n… ${cut} more line(s) of this object in the log` : ''
  return `${title}\n\n${fenced('diff', lines.join('\n'))}${note}\n\n`
}

function headOf(input: DiffMarkdownInput): string {
  const { results, base } = input
  const differ = results.filter((r) => (r.diff?.objects.length ?? 0) > 0).length
  const same = results.filter((r) => r.diff && r.diff.objects.length === 0).length
  const against =
    base?.kind === 'commit'
      ? `Compared with \`${base.sha.slice(0, 12)}\` (${code(base.reason)}).`
      : base
        ? `No diff: ${code(base.reason)}.`
        : ''
  return [
    ...(input.header ? [input.header] : []),
    '## gitops-action: what this change renders',
    '',
    `${against} ${results.length} plan(s): ${differ} render differently, ${same} the same.`.trim(),
    ''
  ].join('\n')
}

/** One line a plan, for an outline too long to show with its blocks. */
function compactLine(r: Result): string {
  const what = r.diff ? countLine(r.diff) : r.status
  return `- ${code(r.setup)} ${releaseTitle(r)}: ${what}\n`
}

export function renderDiffMarkdown(input: DiffMarkdownInput): string {
  const parts = partsOf(input.results)
  const head = headOf(input)
  // Room for the note on what was left out, whatever its numbers.
  const reserve = 400 + input.fullDiffAt.length
  let budget = input.limit - head.length - reserve
  const outline = parts.filter((p) => p.kind === 'outline').reduce((n, p) => n + p.text.length, 0)
  const out: string[] = [head]
  let leftPlans = 0
  let leftObjects = 0
  let leftLines = 0
  if (outline > budget) {
    // Too many plans to show even their outline: one line each while they fit, no blocks.
    for (const r of input.results) {
      const line = compactLine(r)
      if (line.length <= budget) {
        out.push(line)
        budget -= line.length
      } else leftPlans++
      leftObjects += r.diff?.objects.length ?? 0
    }
  } else {
    budget -= outline
    for (const part of parts) {
      if (part.kind === 'outline') {
        out.push(part.text)
        continue
      }
      const whole = objectText(part.title, part.lines, 0)
      if (whole.length <= budget) {
        out.push(whole)
        budget -= whole.length
        continue
      }
      // The first object that does not fit shows its first lines; later ones are counted.
      let fit = 0
      let size = objectText(part.title, [], part.lines.length).length
      while (fit < part.lines.length && size + (part.lines[fit] as string).length + 1 <= budget) {
        size += (part.lines[fit] as string).length + 1
        fit++
      }
      if (fit > 0 && leftObjects === 0 && leftLines === 0) {
        const text = objectText(part.title, part.lines.slice(0, fit), part.lines.length - fit)
        out.push(text)
        budget -= text.length
        leftLines += part.lines.length - fit
      } else {
        leftObjects++
        leftLines += part.lines.length
      }
    }
  }
  const what = [
    leftPlans > 0 ? `${leftPlans} plan(s)` : '',
    leftObjects > 0 ? `${leftObjects} object diff(s)` : '',
    leftLines > 0 ? `${leftLines} diff line(s)` : ''
  ].filter(Boolean)
  if (what.length > 0)
    out.push(
      `\n> [!NOTE]\n> Cut to GitHub's size limit: ${what.join(', ')} left out. The full diff is in ${input.fullDiffAt}.\n`
    )
  return out.join('')
}
