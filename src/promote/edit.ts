import { isCollection, isMap, isScalar, parseDocument, type Node, type Pair } from 'yaml'
import type { PromotionKey } from '../types/promotion.ts'

// Pure: a target plan file with some keys taken from a source plan file, every
// other byte kept (comments, quoting, order, blank lines). The YAML document model
// gives each node's place in the text; only those places are rewritten, and the
// value written is the source's own text, so it means there what it meant here.

export class PlanEditError extends Error {}

/** `chart` names where the chart comes from: a plan's `repository` goes with it. */
const FIELDS: Readonly<Record<PromotionKey, readonly string[]>> = {
  chart: ['chart', 'repository'],
  version: ['version'],
  set: ['set']
}

/** A key a plan file leaves out is written after the key it follows in a plan file. */
const AFTER: Readonly<Record<string, string | undefined>> = {
  repository: 'chart',
  version: 'chart',
  set: undefined
}

/**
 * `target` with the values of `keys` as `source` writes them. A key the source leaves
 * out is not carried; a field that goes with one (`repository`) is then left out too.
 */
export function carryKeys(target: string, source: string, keys: readonly PromotionKey[]): string {
  let text = target
  for (const key of keys)
    for (const field of FIELDS[key]) text = carryField(text, source, field, field !== key)
  return text
}

function mapping(text: string, which: 'source' | 'target'): readonly Pair[] {
  const doc = parseDocument(text)
  if (doc.errors.length > 0)
    throw new PlanEditError(`the ${which} plan is not valid YAML: ${doc.errors[0]?.message}`)
  const root = doc.contents
  if (!isMap(root) || root.flow)
    throw new PlanEditError(
      `the ${which} plan is not a block mapping (one key a line): promotion edits those only`
    )
  return root.items as Pair[]
}

function find(pairs: readonly Pair[], field: string): Pair | undefined {
  return pairs.find((p) => isScalar(p.key) && p.key.value === field)
}

function carryField(target: string, source: string, field: string, companion: boolean): string {
  const from = find(mapping(source, 'source'), field)
  const pairs = mapping(target, 'target')
  const to = find(pairs, field)
  if (!from) return to && companion ? removePair(target, to) : target
  const value = valueText(source, from)
  return to ? replaceValue(target, to, value) : insertPair(target, pairs, field, value)
}

/** A value as written in its file: its text, its column, and whether it needs lines of its own. */
interface ValueText {
  readonly text: string
  readonly column: number
  /** A block mapping or list: it starts on a line of its own. */
  readonly block: boolean
}

function valueText(source: string, pair: Pair): ValueText {
  const node = pair.value as Node | null
  if (!node?.range) throw new PlanEditError(`the source plan's '${keyOf(pair)}' has no value`)
  const [start, end] = node.range
  const text = source.slice(start, trimmedEnd(source, start, end))
  if (isCollection(node))
    return { text, column: columnOf(source, start), block: node.flow !== true }
  // A multi-line scalar depends on the indentation around it: written again as one quoted line.
  if (text.includes('\n'))
    return { text: JSON.stringify(String(node.toJSON())), column: 0, block: false }
  return { text, column: columnOf(source, start), block: false }
}

function replaceValue(target: string, pair: Pair, value: ValueText): string {
  const node = pair.value as Node | null
  const keyColumn = columnOf(target, keyStart(pair))
  const eol = eolOf(target)
  const range = node?.range
  // `key:` with nothing after it: the value goes right after the colon.
  const empty = !range || (isScalar(node) && node.value === null && range[0] === range[1])
  let start = empty ? colonAfter(target, pair) + 1 : range[0]
  const end = empty ? start : trimmedEnd(target, start, range[1])
  const ownLine = !empty && onlyBlanksBefore(target, start)
  if (value.block && !ownLine) {
    // A block after `key:` on the key's line: it moves to the lines below, indented.
    while (start > 0 && (target[start - 1] === ' ' || target[start - 1] === '\t')) start--
    const column = keyColumn + 2
    return splice(target, start, end, `${eol}${' '.repeat(column)}${indent(value, column, eol)}`)
  }
  const space = empty ? ' ' : ''
  return splice(
    target,
    start,
    end,
    space + indent(value, columnOf(target, start) + space.length, eol)
  )
}

function insertPair(
  target: string,
  pairs: readonly Pair[],
  field: string,
  value: ValueText
): string {
  const after = AFTER[field]
  const anchor = (after !== undefined ? find(pairs, after) : undefined) ?? pairs[pairs.length - 1]
  if (!anchor) throw new PlanEditError('the target plan has no keys')
  const column = columnOf(target, keyStart(anchor))
  const eol = eolOf(target)
  const node = anchor.value as Node | null
  const valueEnd = node?.range
    ? trimmedEnd(target, keyStart(anchor), node.range[1])
    : colonAfter(target, anchor) + 1
  const lineEnd = target.indexOf('\n', valueEnd)
  const at = lineEnd < 0 ? target.length : lineEnd + 1
  const rendered = value.block
    ? `${eol}${' '.repeat(column + 2)}${indent(value, column + 2, eol)}`
    : ` ${indent(value, column + field.length + 2, eol)}`
  const line = `${' '.repeat(column)}${field}:${rendered}${eol}`
  return splice(target, at, at, lineEnd < 0 ? `${eol}${line}` : line)
}

/** The pair's lines, from its key's line to the end of its value's line. */
function removePair(target: string, pair: Pair): string {
  const start = keyStart(pair)
  if (!onlyBlanksBefore(target, start))
    throw new PlanEditError(`'${keyOf(pair)}' does not start its own line`)
  const lineStart = target.lastIndexOf('\n', start - 1) + 1
  const node = pair.value as Node | null
  const valueEnd = node?.range ? trimmedEnd(target, start, node.range[1]) : start
  const lineEnd = target.indexOf('\n', valueEnd)
  return splice(target, lineStart, lineEnd < 0 ? target.length : lineEnd + 1, '')
}

/** The value's text moved to `column`: its later lines shift as far as its first. */
function indent(value: ValueText, column: number, eol: string): string {
  const shift = column - value.column
  const [first = '', ...rest] = value.text.split(/\r?\n/)
  const moved = rest.map((line) => {
    if (line.trim() === '') return line
    if (shift >= 0) return ' '.repeat(shift) + line
    const blanks = line.length - line.trimStart().length
    return line.slice(Math.min(blanks, -shift))
  })
  return [first, ...moved].join(eol)
}

function keyStart(pair: Pair): number {
  const key = pair.key as Node | null
  if (!key?.range) throw new PlanEditError('a key without a place in the text')
  return key.range[0]
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : '?'
}

function colonAfter(text: string, pair: Pair): number {
  const key = pair.key as Node
  const at = text.indexOf(':', key.range?.[1] ?? 0)
  if (at < 0) throw new PlanEditError(`no ':' after '${keyOf(pair)}'`)
  return at
}

function columnOf(text: string, at: number): number {
  return at - (text.lastIndexOf('\n', at - 1) + 1)
}

function onlyBlanksBefore(text: string, at: number): boolean {
  return text.slice(text.lastIndexOf('\n', at - 1) + 1, at).trim() === ''
}

/** A block value's range ends after its last line break: the break stays where it is. */
function trimmedEnd(text: string, start: number, end: number): number {
  while (end > start && /\s/.test(text[end - 1] as string)) end--
  return end
}

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n'
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end)
}
