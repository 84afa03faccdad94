// Summaries of repeated measurements: the median is the figure, min and max show the spread.

export interface Summary {
  readonly median_ms: number
  readonly min_ms: number
  readonly max_ms: number
  readonly samples_ms: readonly number[]
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('bench: median of no samples')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function summarize(samples: readonly number[]): Summary {
  return {
    median_ms: Math.round(median(samples)),
    min_ms: Math.round(Math.min(...samples)),
    max_ms: Math.round(Math.max(...samples)),
    samples_ms: samples.map((s) => Math.round(s))
  }
}

/** a / b to two decimals; null when b is unknown. */
export function ratio(a: number, b: number | undefined): number | null {
  if (b === undefined || b <= 0) return null
  return Math.round((a / b) * 100) / 100
}

/** Total length of the union of [start, end] intervals: child processes that overlap count once. */
export function unionLength(intervals: readonly (readonly [number, number])[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0])
  let total = 0
  let end = -Infinity
  let start = -Infinity
  for (const [s, e] of sorted) {
    if (s > end) {
      if (end > start) total += end - start
      start = s
      end = e
    } else if (e > end) {
      end = e
    }
  }
  if (end > start) total += end - start
  return total
}
