import { EVENT_ID, SCALAR_STYLE, YAMLException, getScalarValue, parseEvents } from 'js-yaml'
import type { Event } from 'js-yaml'

// A YAML document as a small tree that keeps the line of every node, built from
// js-yaml's event stream (offsets into the source), so schema errors can point at
// the key or item they are about.

export type YamlNode =
  | {
      readonly kind: 'scalar'
      readonly line: number
      readonly text: string
      readonly isNull: boolean
      /** Plain (unquoted, untagged): `true`, `3` are then a bool and a number, as YAML reads them. */
      readonly plain: boolean
    }
  | { readonly kind: 'sequence'; readonly line: number; readonly items: readonly YamlNode[] }
  | {
      readonly kind: 'mapping'
      readonly line: number
      readonly entries: readonly { readonly key: YamlNode; readonly value: YamlNode }[]
    }

export class YamlError extends Error {
  readonly line: number | undefined
  constructor(message: string, line: number | undefined) {
    super(message)
    this.line = line
  }
}

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL'])

/** A plain null scalar (`~`, `null`, nothing). */
export function isNullNode(node: YamlNode): boolean {
  return node.kind === 'scalar' && node.isNull
}

/**
 * The root of a small configuration file; undefined when the document is empty or a
 * bare null. A YAML syntax error goes to `fail` with its line.
 */
export function parseConfigRoot(
  text: string,
  fail: (line: number | undefined, message: string) => never
): YamlNode | undefined {
  let root: YamlNode | null
  try {
    root = parseYaml(text)
  } catch (error) {
    if (error instanceof YamlError) return fail(error.line, error.message)
    throw error
  }
  return root === null || isNullNode(root) ? undefined : root
}

/** Parses one YAML document; null for an empty one. Throws YamlError with a 1-based line. */
export function parseYaml(source: string): YamlNode | null {
  let events: Event[]
  try {
    events = parseEvents(source, { maxDepth: 50 })
  } catch (error) {
    if (error instanceof YAMLException) {
      throw new YamlError(
        `invalid YAML: ${error.reason}`,
        error.mark ? error.mark.line + 1 : undefined
      )
    }
    throw error
  }
  const lines = lineStarts(source)
  const lineAt = (offset: number): number => lineOf(lines, offset)
  const anchors = new Map<string, YamlNode>()
  let index = 0
  /** An empty value has no offset of its own: it is on the line of the key before it. */
  let lastLine = 1
  const documents: (YamlNode | null)[] = []

  const anchorOf = (start: number, end: number): string | undefined =>
    start >= 0 ? source.slice(start, end) : undefined
  const remember = (anchor: string | undefined, node: YamlNode): YamlNode => {
    if (anchor !== undefined) anchors.set(anchor, node)
    return node
  }

  function node(): YamlNode {
    const event = events[index++] as Event
    switch (event.type) {
      case EVENT_ID.SCALAR: {
        const text = getScalarValue(source, event)
        const plain = event.style === SCALAR_STYLE.PLAIN && event.tagStart < 0
        if (event.valueStart >= 0) lastLine = lineAt(event.valueStart)
        return remember(anchorOf(event.anchorStart, event.anchorEnd), {
          kind: 'scalar',
          line: lastLine,
          text,
          isNull: plain && NULLS.has(text),
          plain
        })
      }
      case EVENT_ID.SEQUENCE: {
        const items: YamlNode[] = []
        const seq = { kind: 'sequence' as const, line: lineAt(event.start), items }
        while ((events[index] as Event).type !== EVENT_ID.POP) items.push(node())
        index++
        return remember(anchorOf(event.anchorStart, event.anchorEnd), seq)
      }
      case EVENT_ID.MAPPING: {
        const entries: { key: YamlNode; value: YamlNode }[] = []
        const seen = new Set<string>()
        while ((events[index] as Event).type !== EVENT_ID.POP) {
          const key = node()
          const value = node()
          if (key.kind === 'scalar') {
            if (seen.has(key.text)) throw new YamlError(`duplicate key '${key.text}'`, key.line)
            seen.add(key.text)
          }
          entries.push({ key, value })
        }
        index++
        return remember(anchorOf(event.anchorStart, event.anchorEnd), {
          kind: 'mapping',
          line: lineAt(event.start),
          entries
        })
      }
      case EVENT_ID.ALIAS: {
        const name = source.slice(event.anchorStart, event.anchorEnd)
        const target = anchors.get(name)
        if (!target) throw new YamlError(`unknown alias '*${name}'`, lineAt(event.anchorStart))
        return target
      }
      default:
        throw new YamlError('unexpected YAML structure', undefined)
    }
  }

  while (index < events.length) {
    const event = events[index++] as Event
    if (event.type !== EVENT_ID.DOCUMENT)
      throw new YamlError('unexpected YAML structure', undefined)
    documents.push((events[index] as Event | undefined)?.type === EVENT_ID.POP ? null : node())
    index++ // the document's POP
  }
  if (documents.length > 1) {
    throw new YamlError(
      `holds ${documents.length} YAML documents; a plan file holds one`,
      undefined
    )
  }
  return documents[0] ?? null
}

function lineStarts(source: string): number[] {
  const starts = [0]
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) starts.push(i + 1)
  return starts
}

function lineOf(starts: readonly number[], offset: number): number {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const mid = (low + high + 1) >> 1
    if ((starts[mid] as number) <= offset) low = mid
    else high = mid - 1
  }
  return low + 1
}
