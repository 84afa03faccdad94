import type { ObjectChange, ObjectDiff, RenderDiff } from '../types.ts'
import type { RenderedObject } from './objects.ts'
import { unifiedDiff } from './line-diff.ts'

// Pure: what head changes against base, object by object.

/** `undefined` on a side: the plan does not exist there (added or removed plan). */
export function diffObjects(
  base: readonly RenderedObject[] | undefined,
  head: readonly RenderedObject[] | undefined
): RenderDiff {
  const before = new Map((base ?? []).map((o) => [o.key, o.yaml]))
  const after = new Map((head ?? []).map((o) => [o.key, o.yaml]))
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort()
  const objects: ObjectDiff[] = []
  let unchanged = 0
  for (const key of keys) {
    const a = before.get(key)
    const b = after.get(key)
    if (a === b) {
      unchanged++
      continue
    }
    const change: ObjectChange = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed'
    objects.push({ key, change, diff: unifiedDiff(a ?? '', b ?? '') })
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

/** `+2 ~1 -0 objects` */
export function countLine(diff: Pick<RenderDiff, 'added' | 'changed' | 'removed'>): string {
  return `+${diff.added} ~${diff.changed} -${diff.removed} objects`
}
