// Pure: a unified diff of two texts, line by line (Myers' O(ND) algorithm after
// trimming the common head and tail). Bounded: past MAX_EDITS differing lines the
// search stops and the lines are paired by position (or the old text shown replaced
// by the new), still a correct diff, only a less minimal one; the work stays
// O(MAX_EDITS²).

export const MAX_EDITS = 2_000
const CONTEXT = 3
/** A longer line (a 50 MB value on one line) keeps its head: the diff still tells it changed. */
export const MAX_LINE = 1_000

type Op = { readonly kind: ' ' | '-' | '+'; readonly text: string }

function lines(text: string): string[] {
  if (text === '') return []
  return text.replace(/\n$/, '').split('\n')
}

/** The shortest edit script between a and b, or undefined past MAX_EDITS. */
function myers(a: readonly string[], b: readonly string[]): Op[] | undefined {
  const n = a.length
  const m = b.length
  const max = Math.min(n + m, MAX_EDITS)
  const offset = max + 1
  const v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number))
          ? (v[offset + k + 1] as number)
          : (v[offset + k - 1] as number) + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[offset + k] = x
      if (x >= n && y >= m) return backtrack(trace, a, b, d, offset)
    }
  }
  return undefined
}

function backtrack(
  trace: readonly Int32Array[],
  a: readonly string[],
  b: readonly string[],
  dEnd: number,
  offset: number
): Op[] {
  const ops: Op[] = []
  let x = a.length
  let y = b.length
  for (let d = dEnd; d >= 0; d--) {
    const v = trace[d] as Int32Array
    const k = x - y
    const down =
      k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number))
    const prevK = down ? k + 1 : k - 1
    const prevX = d === 0 ? 0 : (v[offset + prevK] as number)
    const prevY = d === 0 ? 0 : prevX - prevK
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', text: a[--x] as string })
      y--
    }
    if (d === 0) break
    if (down) ops.push({ kind: '+', text: b[--y] as string })
    else ops.push({ kind: '-', text: a[--x] as string })
  }
  return ops.reverse()
}

/**
 * Past the bound: line by line where both sides have as many lines (a value changed
 * on every line stays readable as pairs), else the old lines replaced by the new.
 */
function unaligned(a: readonly string[], b: readonly string[]): Op[] {
  if (a.length !== b.length)
    return [
      ...a.map((text): Op => ({ kind: '-', text })),
      ...b.map((text): Op => ({ kind: '+', text }))
    ]
  return a.flatMap((text, i): Op[] =>
    text === b[i]
      ? [{ kind: ' ', text }]
      : [
          { kind: '-', text },
          { kind: '+', text: b[i] as string }
        ]
  )
}

function editScript(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++
  const midA = a.slice(head, a.length - tail)
  const midB = b.slice(head, b.length - tail)
  const middle = myers(midA, midB) ?? unaligned(midA, midB)
  const same = (text: string): Op => ({ kind: ' ', text })
  return [...a.slice(0, head).map(same), ...middle, ...a.slice(a.length - tail).map(same)]
}

export interface LineDiff {
  /** Unified diff hunks (`@@ -l,s +l,s @@` and their lines), no file header; '' when equal. */
  readonly text: string
  /** Lines of the diff past `maxLines`, not kept. */
  readonly cut: number
}

function capped(line: string): string {
  return line.length > MAX_LINE
    ? `${line.slice(0, MAX_LINE)}… (${line.length - MAX_LINE} more characters)`
    : line
}

/** The unified diff of two texts, its first `maxLines` lines kept (each at most MAX_LINE long), the rest counted. */
export function unifiedDiff(before: string, after: string, maxLines = Infinity): LineDiff {
  const ops = editScript(lines(before), lines(after))
  const out: string[] = []
  let cut = 0
  const emit = (line: string): void => {
    if (out.length < maxLines) out.push(capped(line))
    else cut++
  }
  let i = 0
  // Positions (1-based) in a and b at op i.
  const posA: number[] = []
  const posB: number[] = []
  let pa = 1
  let pb = 1
  for (const op of ops) {
    posA.push(pa)
    posB.push(pb)
    if (op.kind !== '+') pa++
    if (op.kind !== '-') pb++
  }
  while (i < ops.length) {
    while (i < ops.length && (ops[i] as Op).kind === ' ') i++
    if (i >= ops.length) break
    const start = Math.max(0, i - CONTEXT)
    let end = i
    // Extend the hunk while the next change is within two contexts.
    for (;;) {
      while (end < ops.length && (ops[end] as Op).kind !== ' ') end++
      let next = end
      while (next < ops.length && (ops[next] as Op).kind === ' ') next++
      if (next < ops.length && next - end <= 2 * CONTEXT) end = next
      else break
    }
    const stop = Math.min(ops.length, end + CONTEXT)
    const hunk = ops.slice(start, stop)
    const countA = hunk.filter((op) => op.kind !== '+').length
    const countB = hunk.filter((op) => op.kind !== '-').length
    const fromA = countA === 0 ? (posA[start] as number) - 1 : (posA[start] as number)
    const fromB = countB === 0 ? (posB[start] as number) - 1 : (posB[start] as number)
    emit(`@@ -${fromA},${countA} +${fromB},${countB} @@`)
    for (const op of hunk) emit(`${op.kind}${op.text}`)
    i = stop
  }
  return { text: out.length === 0 ? '' : out.join('\n') + '\n', cut }
}
