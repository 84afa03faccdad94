// Pure: text the action did not write (object names and kinds a chart template
// renders, file names, notes and errors that quote them, field paths and values
// read from a cluster) as Markdown that stays one inert span. A name with a line
// break would otherwise end its line and start a heading, a list or a fenced
// block; inside a code span (or a <code> element) GitHub renders no link, image,
// mention or HTML, so nothing outside it can be restyled.

/** Control characters, the Unicode line breaks, and the bidi overrides that could make a name read as another. */
const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** Line breaks and other control characters as visible escapes (`\n`, `\u001b`): the text keeps to one line, as it reads. */
export function oneLine(text: string): string {
  return text.replace(
    CONTROL,
    (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

function longestRun(text: string, char: '`'): number {
  return Math.max(0, ...[...text.matchAll(new RegExp(`${char}+`, 'g'))].map((m) => m[0].length))
}

/**
 * An inline code span of the text on one line, fenced by more backticks than any
 * run in it. Padded with a space each side when it starts or ends with a backtick
 * or a space: CommonMark strips exactly that pair, so the text shows as it is.
 */
export function code(text: string): string {
  const line = oneLine(text)
  if (line === '') return ''
  const fence = '`'.repeat(longestRun(line, '`') + 1)
  const pad = /^[` ]|[` ]$/.test(line) ? ' ' : ''
  return `${fence}${pad}${line}${pad}${fence}`
}

/** A code span inside a table cell: GitHub splits cells at a pipe even inside code, unless escaped. */
export function codeCell(text: string): string {
  return code(text).replaceAll('|', '\\|')
}

/** Inside raw HTML (a `<summary>`), where Markdown is not parsed: a `<code>` element, escaped. */
export function codeHtml(text: string): string {
  const line = oneLine(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
  return `<code>${line}</code>`
}

/** A fenced block no line of the text can close (the fence is longer than any backtick run). */
export function fenced(language: string, text: string): string {
  const fence = '`'.repeat(Math.max(2, longestRun(text, '`')) + 1)
  return `${fence}${language}\n${text.replace(/\n?$/, '\n')}${fence}`
}
