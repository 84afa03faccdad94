import type { ObjectChange, ObjectDiff, RenderDiff } from '../types/results.ts'
import type { RenderedObject } from './objects.ts'
import { unifiedDiff } from './line-diff.ts'

// Pure: what head changes against base, object by object. The diff lines kept are
// bounded per object and per run (a chart can render a ConfigMap of 100k lines);
// what is left out is counted, never silently dropped.

/** Diff lines kept of one object, and of every object of a run. */
export const DIFF_LINES_PER_OBJECT = 20_000
export const DIFF_LINES_PER_RUN = 50_000

/**
 * `undefined` on a side: the plan does not exist there (added or removed plan).
 * `left`: how many diff lines the run may still keep.
 */
export function diffObjects(
  base: readonly RenderedObject[] | undefined,
  head: readonly RenderedObject[] | undefined,
  left = DIFF_LINES_PER_RUN
): RenderDiff {
  const before = new Map((base ?? []).map((o) => [o.key, o.yaml]))
  const after = new Map((head ?? []).map((o) => [o.key, o.yaml]))
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort()
  const objects: ObjectDiff[] = []
  let unchanged = 0
  let room = left
  for (const key of keys) {
    const a = before.get(key)
    const b = after.get(key)
    if (a === b) {
      unchanged++
      continue
    }
    const change: ObjectChange = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed'
    const { text, cut } = unifiedDiff(a ?? '', b ?? '', Math.min(DIFF_LINES_PER_OBJECT, room))
    room -= diffLines(text)
    objects.push({ key, change, diff: text, cut })
  }
  const count = (change: ObjectChange): number => objects.filter((o) => o.change === change).length
  return {
    added: count('added'),
    changed: count('changed'),
    removed: count('removed'),
    unchanged,
    objects
  }
}

/** How many lines a diff text keeps. */
export function diffLines(text: string): number {
  return text === '' ? 0 : text.split('\n').length - 1
}

/** `diff of v1 ConfigMap web/big truncated: 1200 lines not shown`, for each object cut short. */
export function truncationNotes(diff: RenderDiff): string[] {
  return diff.objects
    .filter((o) => o.cut > 0)
    .map((o) => `diff of ${o.key} truncated: ${o.cut} lines not shown`)
}

/** `+2 ~1 -0 objects` */
export function countLine(diff: Pick<RenderDiff, 'added' | 'changed' | 'removed'>): string {
  return `+${diff.added} ~${diff.changed} -${diff.removed} objects`
}
