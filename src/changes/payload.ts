import type { PayloadCommit } from '../github/event.ts'
import type { ChangedPath, ChangeStatus } from '../types/changes.ts'

// The last resort: the push payload's commits folded in order. Added then
// removed inside the range is no change at all; a rename is a removal plus an
// addition. The payload may be capped, so it is used only when git and the API fail.

interface Fold {
  /** Whether the path existed before the first commit that touched it. */
  readonly existedBefore: boolean
  existsAfter: boolean
}

export function foldCommits(commits: readonly PayloadCommit[]): ChangedPath[] {
  const folds = new Map<string, Fold>()
  const touch = (path: string, existedBefore: boolean, existsAfter: boolean): void => {
    const fold = folds.get(path)
    if (fold) fold.existsAfter = existsAfter
    else folds.set(path, { existedBefore, existsAfter })
  }
  for (const commit of commits) {
    for (const path of commit.removed) touch(path, true, false)
    for (const path of commit.added) touch(path, false, true)
    for (const path of commit.modified) touch(path, true, true)
  }
  const paths: ChangedPath[] = []
  for (const [path, fold] of folds) {
    const status = statusOf(fold.existedBefore, fold.existsAfter)
    if (status) paths.push({ path, status })
  }
  return paths.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** From existence at both ends to a change; undefined when the path is absent at both. */
export function statusOf(before: boolean, after: boolean): ChangeStatus | undefined {
  if (before && after) return 'modified'
  if (after) return 'added'
  if (before) return 'removed'
  return undefined
}
